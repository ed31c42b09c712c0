package httpapi

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

type healthOnlyKey struct{}

// HealthOnly marks ctx, a connection's context (http.Server.ConnContext),
// as one of the few connections a server keeps for health checks once its
// others are all taken: on it the API serves /healthz and /readyz and
// answers anything else 503, so that a flood of connections cannot make the
// instance look dead nor push real work through the reserve.
func HealthOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, healthOnlyKey{}, true)
}

var errBusy = &apiError{http.StatusServiceUnavailable, codeInternal, msgServiceUnavailable}

func healthOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if reserved, _ := c.Request().Context().Value(healthOnlyKey{}).(bool); reserved {
			// One request per reserved connection, so that it is soon free
			// for the next health check.
			c.Response().Header().Set(echo.HeaderConnection, "close")
			switch c.Path() {
			case "/healthz", "/readyz":
			default:
				return errBusy
			}
		}
		return next(c)
	}
}
