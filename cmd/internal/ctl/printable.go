package ctl

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/fbsession/fbsession/domain/facebooksession"
)

// Text the store holds (queue names, user data, actors, user names) is
// written by API clients; shown raw on an operator's terminal, a U+202E
// reverses the rest of a line, an escape sequence recolours or moves the
// cursor, and a newline forges a table row. Every human-readable output
// goes through Printable, and JSON output through printableJSON.

// Printable escapes in s every control and format character (Unicode Cc
// and Cf: C0/C1 controls, tabs and newlines, bidirectional overrides,
// zero-width characters), and invalid UTF-8, as \u202e-style escapes
// (\U0001xxxx above U+FFFF, \xff for a bad byte), and a backslash as \\
// so that no escape is ambiguous.
func Printable(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case hidden(r) && r > 0xFFFF:
			fmt.Fprintf(&b, `\U%08x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for _, r := range s {
		if r == '\\' || r == utf8.RuneError || hidden(r) {
			return true
		}
	}
	return false
}

// hidden is the domain's definition, so that what is shown escaped is
// exactly what validation now refuses (the store may hold older text).
func hidden(r rune) bool { return facebooksession.IsHidden(r) }

// printableJSON escapes, in JSON written by encoding/json, the characters
// Printable escapes that encoding/json leaves raw (it escapes C0
// controls, U+2028 and U+2029, and turns invalid UTF-8 into U+FFFD, but
// writes U+202E and the other format characters as they are). They can
// only be in strings, where \u escapes mean the same: the JSON decodes to
// the same values. An invalid UTF-8 byte, which json.Marshal never writes
// but json.Compact, json.Indent and a json.RawMessage keep as received,
// becomes \ufffd, what a JSON decoder reads it as anyway: raw, a byte
// such as 0x9b is an 8-bit CSI to some terminals.
func printableJSON(b []byte) []byte {
	if !needsJSONEscape(b) {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r > 0x7F && hidden(r):
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

func needsJSONEscape(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 || r > 0x7F && hidden(r) {
			return true
		}
		b = b[size:]
	}
	return false
}
