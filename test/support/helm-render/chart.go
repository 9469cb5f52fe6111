package main

// Loading a chart directory: Chart.yaml, values.yaml, templates/, crds/ and the other
// files (seen by templates as .Files). Subcharts and .helmignore are not supported.

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type chartFile struct {
	// Path relative to the chart root, with forward slashes.
	Path string
	Data []byte
}

type chart struct {
	Metadata  map[string]interface{}
	Values    map[string]interface{}
	Templates []chartFile
	CRDs      []chartFile
	Files     files
}

// metadataFields maps Chart.yaml keys to the field names templates use (.Chart.Name,
// .Chart.AppVersion, ...). Every field is present, zero when absent, so that strict
// rendering can read any of them.
var metadataFields = map[string]string{
	"apiVersion":   "APIVersion",
	"name":         "Name",
	"version":      "Version",
	"kubeVersion":  "KubeVersion",
	"description":  "Description",
	"type":         "Type",
	"keywords":     "Keywords",
	"home":         "Home",
	"sources":      "Sources",
	"maintainers":  "Maintainers",
	"icon":         "Icon",
	"appVersion":   "AppVersion",
	"deprecated":   "Deprecated",
	"annotations":  "Annotations",
	"dependencies": "Dependencies",
}

func loadChart(dir string) (*chart, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("not a chart directory: %v", err)
	}
	meta, err := parseYAMLMap(raw, "Chart.yaml")
	if err != nil {
		return nil, err
	}
	c := &chart{Metadata: map[string]interface{}{}, Files: files{}}
	for key, field := range metadataFields {
		c.Metadata[field] = ""
		if v, ok := meta[key]; ok {
			c.Metadata[field] = v
		}
	}
	if name, _ := meta["name"].(string); name == "" {
		return nil, fmt.Errorf("Chart.yaml: name is required")
	}
	if deps, ok := meta["dependencies"].([]interface{}); ok && len(deps) > 0 {
		return nil, fmt.Errorf("Chart.yaml: dependencies are not supported by this renderer")
	}
	c.Values = map[string]interface{}{}
	if data, err := os.ReadFile(filepath.Join(dir, "values.yaml")); err == nil {
		if c.Values, err = parseYAMLMap(data, "values.yaml"); err != nil {
			return nil, err
		}
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "charts" {
				return fmt.Errorf("charts/: subcharts are not supported by this renderer")
			}
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f := chartFile{Path: rel, Data: data}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			c.Templates = append(c.Templates, f)
		case strings.HasPrefix(rel, "crds/"):
			c.CRDs = append(c.CRDs, f)
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json":
		default:
			c.Files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(c.Templates, func(i, j int) bool { return c.Templates[i].Path < c.Templates[j].Path })
	sort.Slice(c.CRDs, func(i, j int) bool { return c.CRDs[i].Path < c.CRDs[j].Path })
	return c, nil
}

func (c *chart) name() string {
	n, _ := c.Metadata["Name"].(string)
	return n
}

// files is .Files: the chart's non-template files by relative path.
type files map[string][]byte

// Get returns a file's content, or "" when there is no such file.
func (f files) Get(name string) string { return string(f[name]) }

// GetBytes returns a file's content as bytes.
func (f files) GetBytes(name string) []byte { return f[name] }

// Lines returns a file's lines.
func (f files) Lines(name string) []string {
	s := strings.TrimSuffix(string(f[name]), "\n")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}
