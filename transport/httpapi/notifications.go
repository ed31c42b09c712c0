package httpapi

import (
	"context"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"
)

// notificationsPath is where CometD clients connect; the long-polling
// transport appends the message type (/handshake, /connect...) to it.
const notificationsPath = "/api/v2/notifications"

type clientAddrKey struct{}

// mountNotifications serves h, the CometD server, at notificationsPath and
// below, outside the /api/v2 group: h authenticates every request itself
// and answers in Bayeux, and a long poll outlasts the group's request
// timeout. The server-wide middlewares suit it: CometD posts
// application/json;charset=UTF-8, batches are far below 64 KiB, and the
// reserve of health-check connections refuses it like any other route.
func (a *API) mountNotifications(e *echo.Echo, h http.Handler) {
	if h == nil {
		return
	}
	serve := func(c echo.Context) error {
		r := c.Request()
		ctx := context.WithValue(r.Context(), clientAddrKey{}, clientAddress(c))
		ctx = context.WithValue(ctx, secureKey{}, a.secure(r))
		ctx = context.WithValue(ctx, originsKey{}, a.origins(r))
		h.ServeHTTP(c.Response(), r.WithContext(ctx))
		return nil
	}
	e.Any(notificationsPath, serve)
	e.Any(notificationsPath+"/*", serve)
}

// ClientAddr is the address the REST API counts a request's failed logins
// under (X-Forwarded-For from trusted proxies only), for the CometD server
// it serves, so that both throttle a client alike.
func ClientAddr(r *http.Request) string {
	if addr, ok := r.Context().Value(clientAddrKey{}).(string); ok {
		return addr
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
