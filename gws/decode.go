package gws

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
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
	mayFold, err := checkSyntax(body, namesOf(reflect.TypeOf(v).Elem()))
	if err != nil {
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
	// for the parameter. It is needed only when some key of the body folds
	// to a parameter's name without being one, which checkSyntax tells in
	// the same pass that checks the body.
	if !mayFold {
		return nil
	}
	folded := reflect.New(reflect.TypeOf(v).Elem())
	if err := json.Unmarshal(body, folded.Interface(), json.MatchCaseInsensitiveNames(true)); err != nil ||
		!reflect.DeepEqual(folded.Elem().Interface(), reflect.ValueOf(v).Elem().Interface()) {
		return invalidBody("The request body has a key that differs from a parameter's name only in case; names are case-sensitive")
	}
	return nil
}

// checkSyntax walks the body's tokens: one JSON value, no repeated key in
// any object, no invalid UTF-8 or unpaired surrogate, only finite numbers.
// mayFold tells whether a key, at any depth, is no parameter's name but
// folds to one: the only keys a case-insensitive reader could take for
// another.
func checkSyntax(body []byte, names fieldNames) (mayFold bool, err error) {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.ReadToken()
		switch {
		case errors.Is(err, jsontext.ErrDuplicateName):
			var se *jsontext.SyntacticError
			errors.As(err, &se)
			return false, invalidBody("%s is repeated", fieldPath(se.JSONPointer))
		case err != nil:
			return false, invalidBody("The request body is not valid JSON")
		}
		switch tok.Kind() {
		case '0':
			if _, err := strconv.ParseFloat(tok.String(), 64); err != nil {
				return false, invalidBody("%s is a number out of range", fieldPath(dec.StackPointer()))
			}
		case '"':
			// A string read at an odd position of an object is a key.
			if !mayFold {
				if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n%2 == 1 {
					mayFold = names.foldsOnly(tok.String())
				}
			}
		}
		if dec.StackDepth() == 0 {
			break
		}
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return false, invalidBody("The request body has data after the JSON object")
	}
	return mayFold, nil
}

// fieldNames are the JSON names of the struct fields of a type and of the
// types it holds, as written and folded.
type fieldNames struct{ exact, folded map[string]bool }

// foldsOnly tells whether key is no field's name but folds to one.
func (f fieldNames) foldsOnly(key string) bool {
	return !f.exact[key] && f.folded[foldName(key)]
}

// foldName is a name as a case-insensitive reader compares it; it folds
// at least as much as json.MatchCaseInsensitiveNames, so that a key that
// folds to no field's folded name matches no field.
func foldName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' {
			return -1
		}
		return unicode.ToLower(unicode.ToUpper(r))
	}, s)
}

var namesCache sync.Map // reflect.Type → fieldNames

func namesOf(t reflect.Type) fieldNames {
	if f, ok := namesCache.Load(t); ok {
		return f.(fieldNames)
	}
	f := fieldNames{exact: map[string]bool{}, folded: map[string]bool{}}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			walk(t.Elem())
		case reflect.Struct:
			for i := range t.NumField() {
				sf := t.Field(i)
				name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
				if name == "-" || !sf.IsExported() {
					continue
				}
				if name == "" {
					name = sf.Name
				}
				f.exact[name] = true
				f.folded[foldName(name)] = true
				walk(sf.Type)
			}
		}
	}
	walk(t)
	namesCache.Store(t, f)
	return f
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
