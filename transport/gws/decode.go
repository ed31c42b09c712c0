package gws

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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

// DecodeObject reads a request body that must be one JSON object into v, a
// pointer to a struct. Every way the body can be wrong is an ErrInvalidBody
// whose text says how.
//
// The body is refused wherever two JSON readers could disagree on what it
// says, since parts of it (userData) are stored and served as sent: a
// repeated key, a key that only matches a parameter when case is ignored,
// an unpaired surrogate, a number no float64 holds.
func DecodeObject(body []byte, v any) error {
	if !utf8.Valid(body) {
		return invalidBody("The request body is not valid UTF-8")
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return invalidBody("The request body must be a JSON object")
	}
	if err := checkSyntax(body); err != nil {
		return err
	}
	// json (v2) matches names exactly and ignores unknown ones.
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SemanticError
		if errors.As(err, &se) && se.JSONPointer != "" && se.GoType != nil {
			return invalidBody("%s has the wrong type: %s expected", fieldPath(se.JSONPointer), jsonType(se.GoType.Kind().String()))
		}
		return invalidBody("The request body is not valid JSON")
	}
	// Decoding again ignoring case tells a key that differs from a
	// parameter only in case ("OPERATIONNAME"), which lenient readers take
	// for the parameter.
	folded := reflect.New(reflect.TypeOf(v).Elem())
	if err := json.Unmarshal(body, folded.Interface(), json.MatchCaseInsensitiveNames(true)); err != nil ||
		!reflect.DeepEqual(folded.Elem().Interface(), reflect.ValueOf(v).Elem().Interface()) {
		return invalidBody("The request body has a key that differs from a parameter's name only in case; names are case-sensitive")
	}
	return nil
}

// checkSyntax walks the body's tokens: one JSON value, no repeated key in
// any object, no invalid UTF-8 or unpaired surrogate, only finite numbers.
func checkSyntax(body []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.ReadToken()
		switch {
		case errors.Is(err, jsontext.ErrDuplicateName):
			var se *jsontext.SyntacticError
			errors.As(err, &se)
			return invalidBody("%s is repeated", fieldPath(se.JSONPointer))
		case err != nil:
			return invalidBody("The request body is not valid JSON")
		}
		if tok.Kind() == '0' {
			if _, err := strconv.ParseFloat(tok.String(), 64); err != nil {
				return invalidBody("%s is a number out of range", fieldPath(dec.StackPointer()))
			}
		}
		if dec.StackDepth() == 0 {
			break
		}
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return invalidBody("The request body has data after the JSON object")
	}
	return nil
}

// fieldPath spells a JSON pointer as the dotted path clients know:
// /participants/0/id is participants.0.id.
func fieldPath(p jsontext.Pointer) string {
	var names []string
	for tok := range p.Tokens() {
		names = append(names, tok)
	}
	if len(names) == 0 {
		return "The request body"
	}
	return strings.Join(names, ".")
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
