// Command helm-render renders a Helm chart the way `helm template` does, for tests on
// machines where Helm cannot be installed. It supports what charts/weir uses: values
// coalescing, .Release/.Chart/.Capabilities/.Files/.Template, named templates, sprig v3
// and Helm's own functions (include, tpl, required, toYaml, fromYaml, toJson,
// fromJson); not subcharts, hooks' ordering, .helmignore or lookup. Schema validation
// of values is the caller's job (see helm-render.ts), before it asks for a render.
//
// Output: JSON {values, manifests: [{source, content}], notes, crds: [{source, content}]}
// on stdout; on failure "Error: ..." on stderr and exit status 1.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Helm's rule for release names: a DNS-1123 subdomain of at most 53 characters (names
// of objects derive from it and must stay within Kubernetes' 63).
var releaseName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func validateReleaseName(name string) error {
	if len(name) > 53 {
		return fmt.Errorf("release name %q exceeds max length of 53", name)
	}
	if !releaseName.MatchString(name) {
		return fmt.Errorf("invalid release name %q: must be a lowercase DNS-1123 name", name)
	}
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	var valueFiles, apiVersions multiFlag
	chartDir := flag.String("chart", "", "chart directory")
	name := flag.String("name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kube := flag.String("kube-version", "1.30.0", "Kubernetes version for .Capabilities")
	showValues := flag.Bool("show-values", false, "print the coalesced values as JSON and stop")
	strict := flag.Bool("strict", false, "fail on a reference to a missing value")
	flag.Var(&valueFiles, "f", "values file (YAML or JSON), repeatable; later files win")
	flag.Var(&apiVersions, "api-versions", "extra API version for .Capabilities.APIVersions, repeatable")
	flag.Parse()
	if *chartDir == "" {
		return fmt.Errorf("--chart is required")
	}
	if err := validateReleaseName(*name); err != nil {
		return err
	}
	c, err := loadChart(*chartDir)
	if err != nil {
		return err
	}
	user := map[string]interface{}{}
	for _, f := range valueFiles {
		layer, err := readValuesFile(f)
		if err != nil {
			return err
		}
		user = mergeLayers(user, layer)
	}
	values := coalesce(user, c.Values)
	enc := json.NewEncoder(os.Stdout)
	if *showValues {
		return enc.Encode(values)
	}
	caps, err := newCapabilities(strings.TrimPrefix(*kube, "v"), apiVersions)
	if err != nil {
		return err
	}
	if err := checkKubeVersion(c, caps); err != nil {
		return err
	}
	out, err := render(c, values, release{Name: *name, Namespace: *namespace}, caps, *strict)
	if err != nil {
		return err
	}
	return enc.Encode(out)
}
