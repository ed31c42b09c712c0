package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/users"
)

const userKey = "fbsession.user"

// authenticate checks HTTP Basic credentials and puts the user in the
// context.
func (a *API) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		name, password, ok := c.Request().BasicAuth()
		if !ok {
			return errNotAuthenticated
		}
		u, err := a.cfg.Auth.Authenticate(c.Request().Context(), name, password)
		if err != nil {
			return directoryError(err)
		}
		c.Set(userKey, u)
		return next(c)
	}
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
	if errors.Is(err, users.ErrBadCredentials) || errors.Is(err, users.ErrNotFound) || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: user directory: %w", eventstore.ErrUnavailable, err)
}
