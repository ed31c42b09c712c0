package httpapi

import (
	"errors"
	"io"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/transport/gws"
)

// decodeObject reads the request body as one JSON object into v. Every way
// a body can be wrong is a validation error (10); the body limit is 413.
func decodeObject(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return readError(err)
	}
	return gws.DecodeObject(body, v)
}

// readError reports a body that could not be read: over the limit (413,
// from the body-limit middleware) or cut short.
func readError(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	}
	return badRequest(codeValidation, "The request body could not be read")
}
