// Package jsonsplice puts JSON that is already encoded into a document
// being encoded, without encoding/json scanning it again: json.Marshal
// re-validates and compacts every json.RawMessage it writes, which for a
// session's user data (kilobytes) costs more than the rest of the
// document.
package jsonsplice

import (
	"bytes"
	"fmt"
)

// Placeholder is the value a field to splice holds while its document is
// marshaled: a json.RawMessage of it marshals to the bytes null.
const Placeholder = "null"

// Splice replaces the value of the one member named key, which marshaled
// holds as null, with raw. A quote cannot appear unescaped inside a JSON
// string, so the bytes "key":null are a member of the document, and
// Splice fails unless there is exactly one. raw must already be what
// encoding/json would write for it (compact, HTML characters escaped) for
// the result to be the bytes json.Marshal would make.
func Splice(marshaled []byte, key string, raw []byte) ([]byte, error) {
	marker := make([]byte, 0, len(key)+3+len(Placeholder))
	marker = append(append(append(append(marker, '"'), key...), `":`...), Placeholder...)
	i := bytes.Index(marshaled, marker)
	if i < 0 || bytes.Contains(marshaled[i+len(marker):], marker) {
		return nil, fmt.Errorf("jsonsplice: %q is not one member holding null", key)
	}
	at := i + len(marker) - len(Placeholder)
	out := make([]byte, 0, len(marshaled)-len(Placeholder)+len(raw))
	out = append(out, marshaled[:at]...)
	out = append(out, raw...)
	return append(out, marshaled[at+len(Placeholder):]...), nil
}
