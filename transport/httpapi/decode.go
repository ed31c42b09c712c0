package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// decodeObject reads the request body as one JSON object into v. Every way
// a body can be wrong is a validation error (10); the body limit is 413.
func decodeObject(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return readError(err)
	}
	return decodeBytes(body, v)
}

// readError reports a body that could not be read: over the limit (413,
// from the body-limit middleware) or cut short.
func readError(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	}
	return badRequest(codeValidation, "The request body could not be read")
}

func decodeBytes(body []byte, v any) error {
	if !utf8.Valid(body) {
		return badRequest(codeValidation, "The request body is not valid UTF-8")
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return badRequest(codeValidation, "The request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return badRequest(codeValidation, "%s has the wrong type: %s expected", te.Field, jsonType(te.Type.Kind().String()))
		}
		return badRequest(codeValidation, "The request body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest(codeValidation, "The request body has data after the JSON object")
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
