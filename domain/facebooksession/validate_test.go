package facebooksession_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

func TestValidateQueueNameRefusesFormatAndControlCharacters(t *testing.T) {
	t.Parallel()
	for _, q := range []string{
		"Queue\u202Eeuq",  // right-to-left override: reverses the rest of the line
		"Queue\u2066x",    // left-to-right isolate
		"Que\u200Bue",     // zero-width space
		"Queue\u00AD",     // soft hyphen
		"\uFEFFQueue",     // byte order mark
		"Queue\u2028Next", // line separator
		"Queue\u0085",     // C1 next line
		"Queue\x1b[31m",   // terminal escape
	} {
		require.ErrorIs(t, fb.ValidateQueueName(q), fb.ErrInvalid, "%q", q)
	}
	require.NoError(t, fb.ValidateQueueName("PostProcessingQueue é 队列"))
}

// IsHidden is the one definition of a character that does not show:
// fbsessionctl escapes exactly what validation refuses.
func TestIsHidden(t *testing.T) {
	t.Parallel()
	for _, r := range []rune{'\x00', '\t', '\n', '\x1b', '\x7f', '\u0085', '\u009b', '\u00ad', '\u200b', '\u202e', '\u2066', '\u2028', '\u2029', '\ufeff', '\U000E0041'} {
		require.True(t, fb.IsHidden(r), "%U", r)
		require.ErrorIs(t, fb.ValidateQueueName("q"+string(r)), fb.ErrInvalid, "%U", r)
	}
	for _, r := range []rune{'a', ' ', '\\', 'é', '队', '\u00a0', '\ufffd', '\U0001F600'} {
		require.False(t, fb.IsHidden(r), "%U", r)
	}
}

func TestStartRefusesAmbiguousOrOversizedUserData(t *testing.T) {
	t.Parallel()
	start := func(ud string) error {
		_, err := fb.Handle(fb.State{}, fb.Start{SessionID: "s-1", AgentID: "a1", UserData: json.RawMessage(ud)})
		return err
	}
	keys := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`"k%d":1`, i)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	for name, ud := range map[string]string{
		"repeated key":       `{"a":"x","a":"y"}`,
		"huge number":        `{"a":1e999999}`,
		"lone surrogate":     `{"a":"\ud800"}`,
		"lone surrogate key": `{"\udc00":"x"}`,
		"too many keys":      keys(fb.MaxUserDataKeys + 1),
		"too many bytes":     `{"a":"` + strings.Repeat("x", fb.MaxUserDataBytes) + `"}`,
		"trailing data":      `{"a":1} {"b":2}`,
	} {
		require.ErrorIs(t, start(ud), fb.ErrInvalid, name)
	}
	require.NoError(t, start(keys(fb.MaxUserDataKeys)))
	require.NoError(t, start(`{"a":"\ud83d\ude00","b":-1.5e300,"A":true,"c":null}`))
}
