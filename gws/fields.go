package gws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// ResourceFields are the fields of the resource, in the order it shows
// them; ?fields=a,b selects among them. A new slice the caller may keep.
func ResourceFields() []string { return slices.Clone(resourceFields[:]) }

// resourceFields is what ResourceFields hands out copies of.
var resourceFields = [...]string{
	"id", "uri", "state", "capabilities", "participants", "userData", "comment",
	"receivedDate", "facebooksessionType", "suggestedQueueUris", "revelantResponseTemplateGroups",
}

// Fields is a ?fields selection of resource fields. The zero value selects
// them all.
type Fields struct {
	// names are the fields selected; nil selects all.
	names map[string]bool
}

// ParseFields reads a ?fields value: resource field names separated by
// commas, exactly as the resource spells them, or * for all of them. An
// empty value selects all; an unknown name is an ErrInvalidBody.
func ParseFields(q string) (Fields, error) {
	if q == "" {
		return Fields{}, nil
	}
	names := map[string]bool{}
	for name := range strings.SplitSeq(q, ",") {
		switch {
		case name == "*":
			return Fields{}, nil
		case !isResourceField(name):
			return Fields{}, fmt.Errorf("%w: fields names %q, which is no field of a facebooksession; fields are * or some of %s",
				ErrInvalidBody, truncate(name, 64), strings.Join(ResourceFields(), ","))
		}
		names[name] = true
	}
	return Fields{names: names}, nil
}

func isResourceField(name string) bool { return slices.Contains(resourceFields[:], name) }

// All tells whether every field is selected.
func (f Fields) All() bool { return f.names == nil }

// Select is the resource with only the selected fields, as a
// json.Marshaler (see Encode).
func (r Resource) Select(f Fields) json.Marshaler {
	return selected{r: r, f: f}
}

type selected struct {
	r Resource
	f Fields
}

func (s selected) MarshalJSON() ([]byte, error) { return s.r.Encode(s.f) }

// Encode is the resource with only the selected fields, in the resource's
// order: exactly those asked for, as GWS answers (id and uri are not
// added). A field the resource leaves out (comment, receivedDate) stays
// out even when asked for. The user data is spliced in as it is, not
// scanned again (EncodeNotification).
func (r Resource) Encode(f Fields) ([]byte, error) {
	full, err := encodeResource(r)
	if err != nil || f.All() {
		return full, err
	}
	dec := jsontext.NewDecoder(bytes.NewReader(full))
	if _, err := dec.ReadToken(); err != nil { // {
		return nil, err
	}
	out := []byte{'{'}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		key := name.String()
		value, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if !f.names[key] {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out, _ = jsontext.AppendQuote(out, key)
		out = append(out, ':')
		out = append(out, value...)
	}
	return append(out, '}'), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
