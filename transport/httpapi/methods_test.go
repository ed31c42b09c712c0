package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/httpapi"
)

// A path the API serves, asked with a method it does not serve there, is
// 405 with statusCode 10 and an Allow header (docs/API.md), before any
// authentication; a path it does not serve at all is 404 with 6.
func TestWrongMethodIs405(t *testing.T) {
	t.Parallel()
	e := httpapi.New(httpapi.Config{})
	for _, tc := range []struct {
		method, path string
		status, code int
		allow        string
	}{
		{http.MethodDelete, "/api/v2/me/facebooksessions/s1", 405, 10, "GET, POST"},
		{http.MethodPut, "/api/v2/facebooksessions/s1", 405, 10, "GET, POST"},
		{http.MethodPatch, "/api/v2/me/facebooksession/s1", 405, 10, "GET, POST"},
		{http.MethodDelete, "/api/v2/facebooksessions/s1/messages", 405, 10, "GET"},
		{http.MethodDelete, "/api/v2/me", 405, 10, "GET, POST"},
		{http.MethodPut, "/api/v2/me/channels", 405, 10, "GET"},
		{http.MethodGet, "/api/v2/nosuch", 404, 6, ""},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		require.Equal(t, tc.status, rec.Code, "%s %s: %s", tc.method, tc.path, rec.Body)
		var body struct{ StatusCode int }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), "%s", rec.Body)
		require.Equal(t, tc.code, body.StatusCode, "%s %s", tc.method, tc.path)
		if tc.allow != "" {
			require.Contains(t, rec.Header().Get("Allow"), tc.allow, "%s %s", tc.method, tc.path)
		}
	}
}
