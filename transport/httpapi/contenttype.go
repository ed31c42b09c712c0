package httpapi

import (
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

var errUnsupportedMediaType = &apiError{http.StatusUnsupportedMediaType, codeValidation,
	"Content-Type must be application/json"}

// requireJSON refuses a POST, PUT or PATCH whose body is not declared
// application/json (in UTF-8, if a charset is given). A browser sends
// text/plain, form and multipart bodies cross-site without a preflight, so
// accepting them would let any page a user visits complete their sessions.
func requireJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			if c.Path() == logoutPath && c.Request().ContentLength == 0 {
				break // no body to judge: logout reads none
			}
			if !isJSON(c.Request().Header.Get(echo.HeaderContentType)) {
				return errUnsupportedMediaType
			}
		}
		return next(c)
	}
}

func isJSON(contentType string) bool {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != echo.MIMEApplicationJSON {
		return false
	}
	for name, value := range params {
		if name != "charset" || !strings.EqualFold(value, "utf-8") {
			return false
		}
	}
	return true
}
