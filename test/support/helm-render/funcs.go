package main

// The template functions: sprig v3 (less env and expandenv, as in Helm) plus the
// functions Helm adds. `lookup` is refused: there is no cluster to ask.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

// maxIncludeDepth bounds recursive `include`, like Helm's default.
const maxIncludeDepth = 1000

func (e *engine) funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml":        toYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"required":      required,
		"include":       e.include,
		"tpl":           e.tpl,
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return nil, errors.New("lookup is not supported by this renderer (no cluster)")
		},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// toYAML mirrors Helm: JSON first (so numbers and keys look as in Helm), then YAML,
// without the final newline; errors give an empty string.
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return ""
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m, err := parseYAMLMap([]byte(s), "fromYaml")
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return []interface{}{err.Error()}
	}
	n, err := normalize(raw)
	if err != nil {
		return []interface{}{err.Error()}
	}
	a, ok := n.([]interface{})
	if !ok {
		return []interface{}{"fromYamlArray: not a sequence"}
	}
	return a
}

func toJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return []interface{}{err.Error()}
	}
	return a
}

// required fails rendering with msg when val is nil or an empty string.
func required(msg string, val interface{}) (interface{}, error) {
	if val == nil {
		return nil, errors.New(msg)
	}
	if s, ok := val.(string); ok && s == "" {
		return nil, errors.New(msg)
	}
	return val, nil
}

func (e *engine) include(name string, data interface{}) (string, error) {
	if e.depth >= maxIncludeDepth {
		return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
	}
	e.depth++
	defer func() { e.depth-- }()
	var buf bytes.Buffer
	if err := e.t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// tpl renders a string as a template in the chart's template set, so that it can use
// the chart's named templates.
func (e *engine) tpl(text string, data interface{}) (string, error) {
	e.tplCount++
	name := fmt.Sprintf("%s/tpl-%d", e.chartName, e.tplCount)
	t, err := e.t.New(name).Parse(text)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", err
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}
