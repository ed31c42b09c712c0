package desktop_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/desktop"
)

func serve(t *testing.T, h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "http://fbsession.test"+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func newHandler(t *testing.T) *desktop.Handler {
	t.Helper()
	h, err := desktop.New()
	require.NoError(t, err)
	return h
}

// Every answer, a 404, a 405 and a redirect included, carries the
// security headers.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/desktop/", 200},
		{"GET", "/supervisor/", 200},
		{"GET", "/desktop/app.js", 200},
		{"GET", "/supervisor/lib/cometd/cometd.js", 200},
		{"HEAD", "/desktop/lib/style.css", 200},
		{"GET", "/desktop", 301},
		{"GET", "/desktop/nope.js", 404},
		{"POST", "/desktop/", 405},
	} {
		w := serve(t, h, c.method, c.path)
		require.Equal(t, c.status, w.Code, "%s %s", c.method, c.path)
		require.Equal(t, desktop.ContentSecurityPolicy, w.Header().Get("Content-Security-Policy"), c.path)
		require.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"), c.path)
		require.Equal(t, "no-referrer", w.Header().Get("Referrer-Policy"), c.path)
		require.Equal(t, "DENY", w.Header().Get("X-Frame-Options"), c.path)
	}
	csp := desktop.ContentSecurityPolicy
	require.NotContains(t, csp, "unsafe-inline")
	require.NotContains(t, csp, "unsafe-eval")
	require.Contains(t, csp, "frame-ancestors 'none'")
	require.Contains(t, csp, "script-src 'self';")
}

func TestPaths(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	for path, want := range map[string]string{
		"/desktop/":                     "text/html; charset=utf-8",
		"/supervisor/":                  "text/html; charset=utf-8",
		"/desktop/app.js":               "text/javascript; charset=utf-8",
		"/supervisor/app.js":            "text/javascript; charset=utf-8",
		"/desktop/lib/api.js":           "text/javascript; charset=utf-8",
		"/supervisor/lib/style.css":     "text/css; charset=utf-8",
		"/desktop/lib/icon.svg":         "image/svg+xml",
		"/desktop/lib/cometd/LICENSE":   "text/plain; charset=utf-8",
		"/desktop/lib/cometd/Client.js": "text/javascript; charset=utf-8",
	} {
		w := serve(t, h, "GET", path)
		require.Equal(t, 200, w.Code, path)
		require.Equal(t, want, w.Header().Get("Content-Type"), path)
		require.NotEmpty(t, w.Body.Bytes(), path)
	}
	require.Contains(t, serve(t, h, "GET", "/desktop/").Body.String(), "agent desktop")
	require.Contains(t, serve(t, h, "GET", "/supervisor/").Body.String(), "supervisor")

	for _, p := range []string{"/desktop", "/supervisor"} {
		w := serve(t, h, "GET", p)
		require.Equal(t, http.StatusMovedPermanently, w.Code)
		require.Equal(t, p+"/", w.Header().Get("Location"))
	}
	// Nothing outside the tree, nor by a path that is not clean; the
	// page's own files are not the other page's.
	for _, p := range []string{"/desktop/lib/../app.js", "/desktop//app.js", "/desktop/./app.js", "/desktop/lib/",
		"/desktop/index.html/", "/desktop/../supervisor/app.js", "/", "/other/", "/desktop/static/desktop/app.js",
		"/desktop/desktop/app.js", "/supervisor/lib/cometd/package.json"} {
		require.Equal(t, http.StatusNotFound, serve(t, h, "GET", p).Code, p)
	}
	w := serve(t, h, "PUT", "/desktop/app.js")
	require.Equal(t, http.StatusMethodNotAllowed, w.Code)
	require.Equal(t, "GET, HEAD", w.Header().Get("Allow"))
}

// The browser asks again every time and gets a 304 while the file is the
// same: an upgraded binary's files are never mixed with old ones.
func TestCaching(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	w := serve(t, h, "GET", "/desktop/app.js")
	require.Equal(t, "no-cache", w.Header().Get("Cache-Control"))
	etag := w.Header().Get("ETag")
	require.Regexp(t, `^"[0-9a-f]{24}"$`, etag)
	again := serve(t, h, "GET", "/desktop/app.js", "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, again.Code)
	require.Empty(t, again.Body.Bytes())
	require.Equal(t, desktop.ContentSecurityPolicy, again.Header().Get("Content-Security-Policy"))
	other := serve(t, h, "GET", "/desktop/lib/api.js", "If-None-Match", etag)
	require.Equal(t, http.StatusOK, other.Code, "another file's ETag")
	require.True(t, strings.HasPrefix(other.Header().Get("ETag"), `"`))
}
