package ctl

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestPrintable(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"queue-1":             "queue-1",
		"sales\u202eelas":     `sales\u202eelas`,
		"a\tb\nc\r":           `a\u0009b\u000ac\u000d`,
		"\x1b[31mred":         `\u001b[31mred`,
		"zero\u200bwidth":     `zero\u200bwidth`,
		"line\u2028sep":       `line\u2028sep`,
		"tag\U000E0041":       `tag\U000e0041`,
		"c1\u0085":            `c1\u0085`,
		`back\slash`:          `back\\slash`,
		"bad\xffbyte":         `bad\xffbyte`,
		"Ünïcödé 日本 ok":       "Ünïcödé 日本 ok",
		"fake \\u202e escape": `fake \\u202e escape`,
	} {
		require.Equal(t, want, Printable(in), "%q", in)
	}
}

// encoding/json leaves U+202E and the other format characters raw;
// printableJSON escapes them, and the JSON still decodes to the same text.
func TestPrintableJSON(t *testing.T) {
	t.Parallel()
	in := map[string]string{"queueName": "sales\u202e\u2066x\U000E0041\u00ad<&>\u2028", "plain": "ok"}
	raw, err := json.Marshal(in)
	require.NoError(t, err)
	require.Contains(t, string(raw), "\u202e", "encoding/json does not escape U+202E")
	out := printableJSON(raw)
	require.NotContains(t, string(out), "\u202e")
	require.Contains(t, string(out), `sales\u202e\u2066x\udb40\udc41\u00ad`)
	var back map[string]string
	require.NoError(t, json.Unmarshal(out, &back))
	require.Equal(t, in, back)
}

// A message body is indented as received, invalid UTF-8 included: a raw
// 0x9b would be an 8-bit CSI to some terminals, so it is written as the
// \ufffd a JSON decoder reads it as. Printable shows the byte itself.
func TestPrintableJSONEscapesInvalidUTF8(t *testing.T) {
	t.Parallel()
	body := []byte("{\"queueName\":\"q\x9b31m\xff\",\"ok\":\"\u00e9\"}")
	var indented bytes.Buffer
	require.NoError(t, json.Indent(&indented, body, "", "  "))
	require.Contains(t, indented.String(), "\x9b", "json.Indent keeps invalid bytes")
	out := printableJSON(indented.Bytes())
	require.True(t, utf8.Valid(out), "%q", out)
	require.Contains(t, string(out), `q\ufffd31m\ufffd`)
	require.Contains(t, string(out), "\u00e9", "valid UTF-8 is kept")
	var back, want map[string]string
	require.NoError(t, json.Unmarshal(out, &back))
	require.NoError(t, json.Unmarshal(body, &want))
	require.Equal(t, want, back, "decodes as the original does")
	require.Equal(t, `q\x9b31m\xff`, Printable("q\x9b31m\xff"))
}
