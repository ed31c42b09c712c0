package gws_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/gws"
)

type operation struct {
	OperationName *string `json:"operationName"`
	QueueName     *string `json:"queueName"`
}

func TestDecodeObjectRefusesWhatReadersCouldTakeDifferently(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"repeated key":                  `{"operationName":"Complete","operationName":"Other"}`,
		"key in another case":           `{"OPERATIONNAME":"Complete"}`,
		"key twice, once in other case": `{"operationName":"Complete","OperationName":"Complete"}`,
		"nested repeated key":           `{"operationName":"Complete","userData":{"a":1,"a":2}}`,
		"huge number":                   `{"operationName":"Complete","userData":{"a":1e999999}}`,
		"lone surrogate":                `{"operationName":"Complete","userData":{"a":"\ud800"}}`,
		"lone surrogate in a parameter": `{"operationName":"Complete","queueName":"q\udfff"}`,
		"trailing data":                 `{"operationName":"Complete"} {}`,
	} {
		var v operation
		require.ErrorIs(t, gws.DecodeObject([]byte(body), &v), gws.ErrInvalidBody, name)
	}
	var v operation
	require.NoError(t, gws.DecodeObject([]byte(`{"operationName":"Complete","queueName":"q\ud83d\ude00","other":{"x":1e300}}`), &v))
	require.Equal(t, "Complete", *v.OperationName)
	require.Equal(t, "q😀", *v.QueueName)
	// A key in another case below an unknown member names no parameter.
	var nested operation
	require.NoError(t, gws.DecodeObject([]byte(`{"operationName":"Complete","other":{"QUEUENAME":"x"}}`), &nested))
}

func TestDecodeObjectNamesTheFieldOfTheWrongType(t *testing.T) {
	t.Parallel()
	var v operation
	err := gws.DecodeObject([]byte(`{"operationName":7}`), &v)
	require.ErrorIs(t, err, gws.ErrInvalidBody)
	require.EqualError(t, err, "gws: invalid body: operationName has the wrong type: string expected")
	err = gws.DecodeObject([]byte(`{"operationName":"Complete","x":{"a":1,"a":2}}`), &v)
	require.EqualError(t, err, "gws: invalid body: x.a is repeated")
}
