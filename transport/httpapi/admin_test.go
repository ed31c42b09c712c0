package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/users"
)

// With every connection of the API listener held by a flood from many
// addresses, the admin listener still answers the orchestrator and
// Prometheus, and serves nothing of the API.
func TestAdminAnswersWhileTheAPIIsSaturated(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	api, admin := NewWithAdmin(Config{
		Commands: commands.NewHandler(b.Store), Sessions: sessionview.NewReader(b.Store),
		Auth:     users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}),
		Ready:    map[string]func(context.Context) error{"store": b.Store.Ping},
		Registry: prometheus.NewRegistry(),
	}, nil)
	lim := Limits{ReadHeaderTimeout: time.Minute, ReadTimeout: time.Minute, WriteTimeout: time.Minute,
		IdleTimeout: time.Minute, MaxHeaderBytes: 8 << 10, MaxConns: 4, HealthConns: 0, ConnsPerAddress: 2}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ll := lim.Listener(l)
	apiSrv := lim.Server(api)
	go func() { _ = apiSrv.Serve(ll) }()
	t.Cleanup(func() { _ = apiSrv.Close() })
	al, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	adminSrv := &http.Server{Handler: admin, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = adminSrv.Serve(al) }()
	t.Cleanup(func() { _ = adminSrv.Close() })

	for _, from := range []string{"127.0.0.7", "127.0.0.7", "127.0.0.8", "127.0.0.8"} {
		dialFrom(t, from, l.Addr().String())
	}
	require.Eventually(t, func() bool { return len(ll.(*limitListener).general) == 4 }, 5*time.Second, 5*time.Millisecond)
	waiting := dialFrom(t, "127.0.0.9", l.Addr().String())
	require.NoError(t, waiting.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	_, err = waiting.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	_, err = waiting.Read(make([]byte, 1))
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "the API listener is not saturated: %v", err)

	c := dialFrom(t, "127.0.0.9", al.Addr().String())
	require.Equal(t, http.StatusOK, get(t, c, "/readyz", ""))
	require.Equal(t, http.StatusOK, get(t, c, "/healthz", ""))
	require.Equal(t, http.StatusOK, get(t, c, "/metrics", ""))
	require.Equal(t, http.StatusNotFound, get(t, c, "/api/v2/me", "agent1"))
}
