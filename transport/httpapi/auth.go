package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

const userKey = "fbsession.user"

// authenticate checks HTTP Basic credentials, or the browser session's
// cookie when the request has no Authorization header, and puts the user
// in the context. Basic on GET /me issues a browser session.
func (a *API) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.cfg.WebSessions != nil && c.Request().Header.Get(echo.HeaderAuthorization) == "" {
			if token, ok := websession.FromRequest(c.Request(), a.secure(c.Request())); ok {
				return a.cookieAuth(c, token, next)
			}
		}
		u, version, err := a.basic(c)
		if err != nil {
			return err
		}
		c.Set(userKey, u)
		if a.cfg.WebSessions != nil && isGetMe(c) {
			if err := a.issueOnMe(c, u, version); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// basic checks the request's Basic credentials: the user, and the
// version of the user's row they were verified on.
func (a *API) basic(c echo.Context) (users.User, int64, error) {
	name, password, ok := c.Request().BasicAuth()
	if !ok {
		shed(c)
		return users.User{}, 0, errNotAuthenticated
	}
	u, version, err := a.cfg.Auth.AuthenticateVersion(c.Request().Context(), clientAddress(c), name, password)
	if err != nil {
		// The client's failure only: while the directory is down, a
		// client that logs in right keeps its connection for the retry.
		if errors.Is(err, users.ErrBadCredentials) || errors.Is(err, users.ErrThrottled) {
			shed(c)
		}
		return users.User{}, 0, directoryError(err)
	}
	return u, version, nil
}

// shed closes the connection of a request that did not log in once it is
// answered: a client that cannot log in has no use for a keep-alive
// connection, and one kept idle for every such request would let
// unauthenticated clients hold the connection cap.
func shed(c echo.Context) {
	c.Response().Header().Set(echo.HeaderConnection, "close")
}

// clientAddress is the address failed logins are counted under. Echo's
// RealIP believes X-Forwarded-For and X-Real-IP from anyone unless an
// IPExtractor says which proxies to trust, and a client choosing its own
// address would escape the per-address limit: without one, the
// connection's peer is the client.
func clientAddress(c echo.Context) string {
	if c.Echo().IPExtractor != nil {
		return c.RealIP()
	}
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return c.Request().RemoteAddr
	}
	return host
}

func (a *API) requireFeature(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := user(c); !u.HasFeature(users.FeatureMultimedia) {
			return errNoPermission
		}
		return next(c)
	}
}

func (a *API) requireRole(r users.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if u := user(c); !u.Has(r) {
				return &apiError{http.StatusForbidden, codeForbidden, "This operation needs the " + string(r) + " role"}
			}
			return next(c)
		}
	}
}

func user(c echo.Context) users.User {
	u, _ := c.Get(userKey).(users.User)
	return u
}

// directoryError keeps the directory's verdicts and treats any other
// failure of it as the database being unreachable.
func directoryError(err error) error {
	if errors.Is(err, users.ErrBadCredentials) || errors.Is(err, users.ErrThrottled) || errors.Is(err, users.ErrNotFound) || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: user directory: %w", eventstore.ErrUnavailable, err)
}
