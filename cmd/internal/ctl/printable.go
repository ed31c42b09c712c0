package ctl

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/internal/jsonescape"
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
// Printable escapes that encoding/json leaves raw (jsonescape.Hidden).
func printableJSON(b []byte) []byte { return jsonescape.Hidden(b) }
