package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// pagePrefixes are where Config.Pages is served (transport/desktop).
var pagePrefixes = []string{"/desktop", "/supervisor"}

// mountPages serves h, the browser pages' static files, at /desktop and
// /supervisor and below, GET and HEAD only (Echo answers other methods
// 405). Outside the /api/v2 routes: the files need no login (the pages
// sign in themselves) and no deadline (they are in memory); the
// server-wide middlewares let a GET through (requireJSON looks at bodies
// of POST, PUT and PATCH only, the body limit at bodies), and the reserve
// of health-check connections refuses them like any other route.
func mountPages(e *echo.Echo, h http.Handler) {
	if h == nil {
		return
	}
	serve := echo.WrapHandler(h)
	for _, p := range pagePrefixes {
		for _, path := range []string{p, p + "/*"} {
			e.GET(path, serve)
			e.HEAD(path, serve)
		}
	}
}
