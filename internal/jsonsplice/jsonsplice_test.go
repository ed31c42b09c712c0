package jsonsplice_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/jsonsplice"
)

type doc struct {
	ID       string          `json:"id"`
	Note     string          `json:"note"`
	UserData json.RawMessage `json:"userData,omitempty"`
	Tail     []string        `json:"tail"`
}

// Spliced is what json.Marshal makes of the document holding the value,
// when the value is in encoding/json's own form.
func TestSpliceIsWhatMarshalMakes(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		`{}`,
		`{"a":"x","n":12345678901234567890}`,
		`{"xml":"\u003cpage\u003e\u0026","s":"\u2028"}`,
	} {
		d := doc{ID: "s1", Note: `a "userData":null in a string`, UserData: json.RawMessage(raw), Tail: []string{"t"}}
		want, err := json.Marshal(d)
		require.NoError(t, err)
		d.UserData = json.RawMessage(jsonsplice.Placeholder)
		marshaled, err := json.Marshal(d)
		require.NoError(t, err)
		got, err := jsonsplice.Splice(marshaled, "userData", []byte(raw))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
}

func TestSpliceNeedsOneMember(t *testing.T) {
	t.Parallel()
	_, err := jsonsplice.Splice([]byte(`{"id":"x"}`), "userData", []byte(`{}`))
	require.Error(t, err)
	_, err = jsonsplice.Splice([]byte(`{"userData":null,"b":{"userData":null}}`), "userData", []byte(`{}`))
	require.Error(t, err)
}
