package gws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Errors of request bodies; the API answers them 400 with code 10 and 1.
var (
	// ErrInvalidBody: the body is not the JSON object the operation takes.
	ErrInvalidBody = errors.New("gws: invalid body")
	// ErrMissingParameter: a required parameter is absent.
	ErrMissingParameter = errors.New("gws: missing parameter")
)

func invalidBody(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidBody}, args...)...)
}

// DecodeObject reads a request body that must be one JSON object into v.
// Every way the body can be wrong is an ErrInvalidBody whose text says how.
func DecodeObject(body []byte, v any) error {
	if !utf8.Valid(body) {
		return invalidBody("The request body is not valid UTF-8")
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return invalidBody("The request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalidBody("%s has the wrong type: %s expected", te.Field, jsonType(te.Type.Kind().String()))
		}
		return invalidBody("The request body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalidBody("The request body has data after the JSON object")
	}
	return nil
}

func jsonType(kind string) string {
	switch kind {
	case "ptr", "string":
		return "string"
	case "slice":
		return "array"
	case "map", "struct":
		return "object"
	}
	return kind
}
