package httpapi

import (
	"context"
	"errors"

	"github.com/labstack/echo/v4"
)

// statusClientClosedRequest is nginx's 499: the client went away before
// the answer. Nobody receives it; it is what the access log and the
// metrics record, so that abandoned requests are not counted as the
// service's failures (500).
const statusClientClosedRequest = 499

// canceledLabel is the operations counter's status_code for an operation
// whose client went away: it answered no GWS code.
const canceledLabel = "canceled"

// clientContextKey holds the request's context as the server gave it,
// before the deadline middleware's: that one is canceled when the
// handler returns, whoever ended it.
const clientContextKey = "fbsession.clientContext"

// clientGone tells whether the client closed the request before it was
// answered.
func clientGone(c echo.Context) bool {
	ctx, ok := c.Get(clientContextKey).(context.Context)
	if !ok {
		ctx = c.Request().Context()
	}
	return errors.Is(ctx.Err(), context.Canceled)
}
