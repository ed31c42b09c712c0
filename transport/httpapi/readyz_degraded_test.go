package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// A failing degraded check (the audit checkpoints) shows on /readyz, named,
// with the instance "degraded" but still 200, so that an orchestrator does
// not restart an instance that serves its clients; a failing readiness
// check still makes it 503 "unavailable".
func TestReadyzReportsDegradedChecks(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	var checkpointsFail, natsDown atomic.Bool
	failing := func(f *atomic.Bool) func(context.Context) error {
		return func(context.Context) error {
			if f.Load() {
				return errors.New("context deadline exceeded")
			}
			return nil
		}
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store), Sessions: sessionview.NewReader(b.Store),
		Auth:     users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}),
		Ready:    map[string]func(context.Context) error{"nats": failing(&natsDown)},
		Degraded: map[string]func(context.Context) error{"checkpoints": failing(&checkpointsFail)},
		Logger:   slog.New(slog.DiscardHandler),
	}))
	t.Cleanup(srv.Close)
	probe := func() (int, string) {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + "/readyz")
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(body)
	}

	status, body := probe()
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"status":"ok","nats":"ok","store_writes":"ok","checkpoints":"ok"}`, body)

	checkpointsFail.Store(true)
	status, body = probe()
	require.Equal(t, http.StatusOK, status, "degraded, still serving")
	require.JSONEq(t, `{"status":"degraded","nats":"ok","store_writes":"ok","checkpoints":"degraded"}`, body)

	natsDown.Store(true)
	status, body = probe()
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.JSONEq(t, `{"status":"unavailable","nats":"unavailable","store_writes":"ok","checkpoints":"degraded"}`, body)

	natsDown.Store(false)
	checkpointsFail.Store(false)
	status, _ = probe()
	require.Equal(t, http.StatusOK, status)
}
