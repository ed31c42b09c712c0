package jsonescape_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/jsonescape"
)

// What terminals obey is escaped; the JSON decodes to the same value, and
// JSON with nothing to escape is returned as it is.
func TestHidden(t *testing.T) {
	t.Parallel()
	value := "a\u202eb\u009bc\u200bd\U000e0001é"
	raw, err := json.Marshal(value)
	require.NoError(t, err)
	got := jsonescape.Hidden(raw)
	require.Equal(t, `"a\u202eb\u009bc\u200bd\udb40\udc01é"`, string(got))
	var back string
	require.NoError(t, json.Unmarshal(got, &back))
	require.Equal(t, value, back)

	require.Equal(t, `"\ufffd"`, string(jsonescape.Hidden([]byte("\"\xff\""))))
	plain := []byte(`{"a":"é"}`)
	require.Same(t, &plain[0], &jsonescape.Hidden(plain)[0])
}
