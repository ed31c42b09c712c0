package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// lockedBuffer is a log destination the server's goroutines may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the messages logged at Info and above, with their check
// and error.
func (b *lockedBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	dec := json.NewDecoder(bytes.NewReader(b.buf.Bytes()))
	for dec.More() {
		var r map[string]any
		require.NoError(t, dec.Decode(&r))
		delete(r, "time")
		out = append(out, r)
	}
	return out
}

// A load balancer polling /readyz while a check fails gets 503 each time,
// but the log tells only when the check fails and when it recovers, with
// the cause.
func TestReadyzLogsOnlyWhenACheckChanges(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	var natsDown atomic.Bool
	logs := &lockedBuffer{}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store), Sessions: sessionview.NewReader(b.Store),
		Auth: users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}),
		Ready: map[string]func(context.Context) error{
			"store": b.Store.Ping,
			"nats": func(context.Context) error {
				if natsDown.Load() {
					return errors.New("RECONNECTING")
				}
				return nil
			},
		},
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}))
	t.Cleanup(srv.Close)
	probe := func(want int) {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + "/readyz")
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, want, res.StatusCode)
	}

	probe(http.StatusOK)
	natsDown.Store(true)
	for range 5 {
		probe(http.StatusServiceUnavailable)
	}
	natsDown.Store(false)
	for range 3 {
		probe(http.StatusOK)
	}
	natsDown.Store(true)
	probe(http.StatusServiceUnavailable)

	notReady := map[string]any{"level": "WARN", "msg": "not ready", "check": "nats", "err": "RECONNECTING"}
	require.Equal(t, []map[string]any{
		notReady,
		{"level": "INFO", "msg": "ready again", "check": "nats"},
		notReady,
	}, logs.records(t))
}
