package httpapi

import (
	"errors"

	"github.com/labstack/echo/v4"
)

// readError reports a body that could not be read: over the limit (413,
// from the body-limit middleware) or cut short.
func readError(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	}
	return badRequest(codeValidation, "The request body could not be read")
}
