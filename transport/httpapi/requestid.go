package httpapi

import (
	"crypto/rand"

	"github.com/labstack/echo/v4"
)

// maxRequestID is the longest X-Request-Id kept from a client.
const maxRequestID = 128

// requestID sets the response's X-Request-Id, which the commands store in
// every event's metadata: the client's when it is 1–128 characters of
// [A-Za-z0-9._:/+=@-] (UUIDs, trace ids, base64), else a generated one.
// Echo's RequestID middleware takes any value the client sends.
func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header.Get(echo.HeaderXRequestID)
			if !validRequestID(id) {
				id = rand.Text()
			}
			// The request logger reads the request's header first.
			c.Request().Header.Set(echo.HeaderXRequestID, id)
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			return next(c)
		}
	}
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == '+', c == '=', c == '@':
		default:
			return false
		}
	}
	return true
}
