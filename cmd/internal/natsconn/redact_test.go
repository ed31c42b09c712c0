package natsconn_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                      "nats://127.0.0.1:4222",
		"nats://fbsessiond:s3cret@nats:4222":         "nats://fbsessiond:xxxxx@nats:4222",
		"nats://s3cret@nats:4222":                    "nats://xxxxx@nats:4222",
		"nats://u:p@a:4222,nats://u:p@b:4222":        "nats://u:xxxxx@a:4222,nats://u:xxxxx@b:4222",
		"u:s3cret@nats:4222":                         "u:xxxxx@nats:4222",
		"nats://u:s3c@ret@nats:42x22":                "nats://u:xxxxx@nats:42x22",
		"nats://u:s3cret@nats:4222/path?q=a@b":       "nats://u:xxxxx@nats:4222/path?q=a@b",
		"postgres://fb:s3cret@db:5432/fb?sslmode=no": "postgres://fb:xxxxx@db:5432/fb?sslmode=no",
		"": "",
	} {
		require.Equal(t, want, natsconn.Redact(in), in)
	}
}

func TestRedactErrorKeepsTheChain(t *testing.T) {
	t.Parallel()
	raw := "nats://u:s3%20cret@host:42x2"
	_, perr := url.Parse(raw)
	require.Error(t, perr)
	require.Contains(t, perr.Error(), "s3%20cret")
	err := natsconn.RedactError(perr, raw)
	require.NotContains(t, err.Error(), "s3")
	require.Contains(t, err.Error(), "u:xxxxx@host:42x2")
	var ue *url.Error
	require.True(t, errors.As(err, &ue))
}
