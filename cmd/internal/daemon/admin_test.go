package daemon_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/daemon"
)

// getBody GETs url and returns the status and body.
func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err, url)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// The admin address serves the health checks, the metrics and, when asked
// for, the profiles, and nothing of the API; the API port keeps its health
// checks.
func TestAdminAddress(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "")
	cfg.AdminAddr = "127.0.0.1:0"
	cfg.AdminPprof = true
	s := startService(t, cfg, discardLogger())
	require.NotEmpty(t, s.admin)

	status, body := getBody(t, s.admin+"/healthz")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"status":"ok"}`, body)
	status, body = getBody(t, s.admin+"/readyz")
	require.Equal(t, http.StatusOK, status, body)
	require.JSONEq(t, `{"status":"ok","store":"ok","nats":"ok","store_writes":"ok"}`, body, "no checkpoints check without a key")
	status, body = getBody(t, s.admin+"/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "fbsession_checkpoint_healthy 1")
	status, _ = getBody(t, s.admin+"/debug/pprof/")
	require.Equal(t, http.StatusOK, status)
	status, _ = getBody(t, s.admin+"/api/v2/me")
	require.Equal(t, http.StatusNotFound, status)

	status, _ = getBody(t, s.base+"/readyz")
	require.Equal(t, http.StatusOK, status)
	status, _ = getBody(t, s.base+"/debug/pprof/")
	require.Equal(t, http.StatusNotFound, status, "the profiles are never on the API port")
}

// Without pprof asked for, the admin address has no profiles.
func TestAdminAddressWithoutProfiles(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "")
	cfg.AdminAddr = "127.0.0.1:0"
	s := startService(t, cfg, discardLogger())
	status, _ := getBody(t, s.admin+"/debug/pprof/")
	require.Equal(t, http.StatusNotFound, status)
}

// An admin address taken stops the start, saying which setting to change.
func TestAdminAddressTakenFailsAtOnce(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	cfg := testConfig(t, "")
	cfg.AdminAddr = l.Addr().String()
	err = daemon.Run(context.Background(), &cfg, discardLogger(), nil)
	require.ErrorContains(t, err, "FBSESSION_ADMIN_ADDR")
}
