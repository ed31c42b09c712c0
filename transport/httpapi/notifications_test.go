package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/httpapi"
)

// The CometD server is served at /api/v2/notifications and below (the
// long-polling client appends /handshake, /connect...), told the client
// address failed logins count under; the health-check reserve refuses it
// like any API route.
func TestNotificationsMount(t *testing.T) {
	t.Parallel()
	var paths, addrs []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		addrs = append(addrs, httpapi.ClientAddr(r))
		_, _ = w.Write([]byte(`[]`))
	})
	e := httpapi.New(httpapi.Config{Notifications: h})
	for _, p := range []string{"/api/v2/notifications", "/api/v2/notifications/handshake", "/api/v2/notifications/connect"} {
		req := httptest.NewRequest(http.MethodPost, p, strings.NewReader(`[{"channel":"/meta/handshake"}]`))
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
		req.RemoteAddr = "192.0.2.7:4567"
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, p)
	}
	require.Equal(t, []string{"/api/v2/notifications", "/api/v2/notifications/handshake", "/api/v2/notifications/connect"}, paths)
	require.Equal(t, []string{"192.0.2.7", "192.0.2.7", "192.0.2.7"}, addrs)

	req := httptest.NewRequest(http.MethodPost, "/api/v2/notifications", strings.NewReader(`[]`))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(httpapi.HealthOnly(req.Context()))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Len(t, paths, 3)
}
