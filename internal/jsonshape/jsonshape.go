// Package jsonshape compares decoded JSON documents by shape: the same
// keys, nesting and value types, whatever the values. It is how tests hold
// fbsession's output to the seed page's samples.
package jsonshape

import (
	"fmt"
	"reflect"
)

// Compare returns an error naming the first place where got's shape differs
// from want's: a missing or extra key, or a value of another JSON type.
// Arrays compare their first elements when both have one.
func Compare(want, got any) error {
	return compare("$", want, got)
}

func compare(path string, want, got any) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: object expected, got %s", path, typeName(got))
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				return fmt.Errorf("%s: key %q missing", path, k)
			}
			if err := compare(path+"."+k, w[k], g[k]); err != nil {
				return err
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Errorf("%s: unexpected key %q", path, k)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: array expected, got %s", path, typeName(got))
		}
		if len(w) > 0 && len(g) > 0 {
			return compare(path+"[0]", w[0], g[0])
		}
	default:
		if typeName(want) != typeName(got) {
			return fmt.Errorf("%s: %s expected, got %s", path, typeName(want), typeName(got))
		}
	}
	return nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return reflect.TypeOf(v).String()
}
