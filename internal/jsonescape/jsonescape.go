// Package jsonescape escapes, in JSON text, the characters that are
// harmless to a JSON decoder but not to a terminal or an editor: format
// and control characters that encoding/json writes raw (U+202E reverses
// the rest of a line; a C1 control such as U+009B is an 8-bit CSI to some
// terminals), and invalid UTF-8. The result decodes to the same values.
package jsonescape

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/fbsession/fbsession/domain/facebooksession"
)

// Hidden escapes in b, JSON as encoding/json writes it, every character
// outside ASCII that the domain calls hidden (Unicode Cc and Cf, so that
// what is escaped is exactly what validation refuses; encoding/json
// already escapes the C0 controls, U+2028 and U+2029) as \u escapes, a
// pair of them above U+FFFF. They can only be in strings, where \u
// escapes mean the same. An invalid UTF-8 byte, which json.Marshal never
// writes but json.Compact, json.Indent and a json.RawMessage keep as
// received, becomes \ufffd, what a JSON decoder reads it as anyway. b is
// returned as it is when nothing needs escaping.
func Hidden(b []byte) []byte {
	if !needsEscape(b) {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r > 0x7F && facebooksession.IsHidden(r):
			if r > 0xFFFF {
				hi, lo := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

func needsEscape(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 || r > 0x7F && facebooksession.IsHidden(r) {
			return true
		}
		b = b[size:]
	}
	return false
}
