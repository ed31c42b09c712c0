package jsonshape_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/jsonshape"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

func TestCompare(t *testing.T) {
	t.Parallel()
	want := decode(t, `{"a":1,"b":{"c":"x","d":[{"e":true}]},"f":[],"g":null}`)
	require.NoError(t, jsonshape.Compare(want, decode(t, `{"a":2,"b":{"c":"y","d":[{"e":false}]},"f":[1],"g":null}`)))
	for _, got := range []string{
		`{"b":{"c":"x","d":[]},"f":[],"g":null}`,                   // a missing
		`{"a":1,"b":{"c":"x","d":[]},"f":[],"g":null,"h":1}`,       // extra key
		`{"a":"1","b":{"c":"x","d":[]},"f":[],"g":null}`,           // wrong type
		`{"a":1,"b":{"c":"x","d":[{"e":"true"}]},"f":[],"g":null}`, // nested wrong type
		`{"a":1,"b":{"c":"x","d":{}},"f":[],"g":null}`,             // object for array
		`{"a":1,"b":{"c":"x","d":[]},"f":[],"g":0}`,                // number for null
	} {
		require.Error(t, jsonshape.Compare(want, decode(t, got)), got)
	}
}
