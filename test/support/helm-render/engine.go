package main

// Rendering: every file under templates/ is parsed into one template set (so named
// templates from _helpers.tpl are shared), then each non-partial file is executed with
// Helm's top-level objects, and YAML output is split into documents.

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"text/template"

	"github.com/Masterminds/semver"
)

type engine struct {
	t         *template.Template
	chartName string
	depth     int
	tplCount  int
}

type release struct {
	Name      string
	Namespace string
}

// versionSet is .Capabilities.APIVersions.
type versionSet []string

// Has reports whether a group/version (or group/version/Kind) is available.
func (v versionSet) Has(s string) bool {
	for _, x := range v {
		if x == s {
			return true
		}
	}
	return false
}

type kubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions versionSet
	HelmVersion map[string]string
}

// builtinAPIVersions is what a recent cluster serves for the groups charts commonly test.
var builtinAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2",
	"rbac.authorization.k8s.io/v1", "networking.k8s.io/v1", "coordination.k8s.io/v1",
	"discovery.k8s.io/v1", "apiextensions.k8s.io/v1", "events.k8s.io/v1",
}

type document struct {
	Source  string `json:"source"`
	Content string `json:"content"`
}

type result struct {
	Values    map[string]interface{} `json:"values"`
	Manifests []document             `json:"manifests"`
	Notes     string                 `json:"notes"`
	CRDs      []document             `json:"crds"`
}

func newCapabilities(version string, extra []string) (capabilities, error) {
	v, err := semver.NewVersion(version)
	if err != nil {
		return capabilities{}, fmt.Errorf("invalid kube version %q: %v", version, err)
	}
	apis := append(versionSet{}, builtinAPIVersions...)
	apis = append(apis, extra...)
	return capabilities{
		KubeVersion: kubeVersion{
			Version:    "v" + v.String(),
			Major:      fmt.Sprint(v.Major()),
			Minor:      fmt.Sprint(v.Minor()),
			GitVersion: "v" + v.String(),
		},
		APIVersions: apis,
		HelmVersion: map[string]string{"Version": "v3-compatible"},
	}, nil
}

// checkKubeVersion refuses a chart whose kubeVersion constraint the target misses.
func checkKubeVersion(c *chart, caps capabilities) error {
	constraint, _ := c.Metadata["KubeVersion"].(string)
	if constraint == "" {
		return nil
	}
	cons, err := semver.NewConstraint(constraint)
	if err != nil {
		return fmt.Errorf("Chart.yaml: invalid kubeVersion %q: %v", constraint, err)
	}
	v, _ := semver.NewVersion(caps.KubeVersion.Version)
	if !cons.Check(v) {
		return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", constraint, caps.KubeVersion.Version)
	}
	return nil
}

func render(c *chart, values map[string]interface{}, rel release, caps capabilities, strict bool) (*result, error) {
	e := &engine{chartName: c.name()}
	e.t = template.New(e.chartName)
	if strict {
		e.t.Option("missingkey=error")
	} else {
		e.t.Option("missingkey=zero")
	}
	e.t.Funcs(e.funcMap())
	for _, f := range c.Templates {
		name := e.chartName + "/" + f.Path
		if _, err := e.t.New(name).Parse(string(f.Data)); err != nil {
			return nil, cleanError(err)
		}
	}
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": rel.Name, "Namespace": rel.Namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart":        c.Metadata,
		"Capabilities": caps,
		"Files":        c.Files,
	}
	out := &result{Values: values, Manifests: []document{}, CRDs: []document{}}
	for _, f := range c.Templates {
		base := path.Base(f.Path)
		if strings.HasPrefix(base, "_") {
			continue
		}
		name := e.chartName + "/" + f.Path
		data := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": name, "BasePath": e.chartName + "/templates"}
		var buf bytes.Buffer
		if err := e.t.ExecuteTemplate(&buf, name, data); err != nil {
			return nil, cleanError(err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		switch {
		case f.Path == "templates/NOTES.txt":
			out.Notes = text
		case strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"):
			for _, doc := range splitManifests(text) {
				out.Manifests = append(out.Manifests, document{Source: name, Content: doc})
			}
		}
	}
	for _, f := range c.CRDs {
		out.CRDs = append(out.CRDs, document{Source: e.chartName + "/" + f.Path, Content: string(f.Data)})
	}
	return out, nil
}

var separator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

// splitManifests splits rendered YAML on document separators and drops documents that
// hold nothing but whitespace.
func splitManifests(text string) []string {
	docs := []string{}
	for _, d := range separator.Split(text, -1) {
		if strings.TrimSpace(d) == "" {
			continue
		}
		docs = append(docs, strings.TrimSpace(d)+"\n")
	}
	return docs
}

var (
	execLocation = regexp.MustCompile(`^template: (\S+?:\d+:\d+): executing `)
	execCall     = regexp.MustCompile(`error calling \w+: `)
)

// cleanError turns a text/template execution error into Helm's shape,
// `execution error at (chart/templates/x.yaml:3:4): message`, keeping the innermost
// message when includes nest.
func cleanError(err error) error {
	msg := err.Error()
	loc := execLocation.FindStringSubmatch(msg)
	calls := execCall.FindAllStringIndex(msg, -1)
	if loc == nil || len(calls) == 0 {
		return err
	}
	return fmt.Errorf("execution error at (%s): %s", loc[1], msg[calls[len(calls)-1][1]:])
}
