package main

// Values: parsing YAML the way Helm does (numbers become float64, as they do after
// Helm's YAML-to-JSON step), layering user values files, and coalescing them over the
// chart's values.yaml.

import (
	"encoding/json"
	"fmt"
	"os"

	yaml "gopkg.in/yaml.v2"
)

// parseYAMLMap reads one YAML (or JSON) document that must be a mapping. An empty
// document is an empty map, as in Helm.
func parseYAMLMap(data []byte, what string) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	norm, err := normalize(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	m, ok := norm.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("%s: top level must be a mapping", what)
	}
	return m, nil
}

func readValuesFile(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseYAMLMap(data, path)
}

// normalize turns what yaml.v2 decodes into what Helm's templates see: string-keyed
// maps and float64 numbers (Helm converts YAML to JSON before decoding).
func normalize(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, val := range t {
			n, err := normalize(val)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = n
		}
		return out, nil
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, val := range t {
			n, err := normalize(val)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, val := range t {
			n, err := normalize(val)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case int:
		return float64(t), nil
	case int64:
		return float64(t), nil
	case uint64:
		return float64(t), nil
	case float64, string, bool, nil:
		return t, nil
	default:
		// Timestamps and other exotic YAML types go through JSON like in Helm.
		b, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		var out interface{}
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// mergeLayers applies user values files in order: a later file wins, maps merge
// deeply, a null is kept so that coalescing can delete the default it replaces.
func mergeLayers(dst, src map[string]interface{}) map[string]interface{} {
	for k, sv := range src {
		dv, ok := dst[k]
		dm, dIsMap := dv.(map[string]interface{})
		sm, sIsMap := sv.(map[string]interface{})
		if ok && dIsMap && sIsMap {
			dst[k] = mergeLayers(dm, sm)
		} else {
			dst[k] = sv
		}
	}
	return dst
}

// coalesce fills user values with the chart's defaults: maps merge deeply, a user
// value of another type replaces the default, and a user null removes the key.
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	for k, dv := range defaults {
		uv, ok := user[k]
		if !ok {
			user[k] = deepCopy(dv)
			continue
		}
		if uv == nil {
			delete(user, k)
			continue
		}
		um, uIsMap := uv.(map[string]interface{})
		dm, dIsMap := dv.(map[string]interface{})
		if uIsMap && dIsMap {
			user[k] = coalesce(um, dm)
		}
	}
	dropNulls(user)
	return user
}

func dropNulls(m map[string]interface{}) {
	for k, v := range m {
		if v == nil {
			delete(m, k)
		} else if sub, ok := v.(map[string]interface{}); ok {
			dropNulls(sub)
		}
	}
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, val := range t {
			out[k] = deepCopy(val)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, val := range t {
			out[i] = deepCopy(val)
		}
		return out
	default:
		return t
	}
}
