package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// The authorization matrix: every endpoint, every kind of caller. Each
// case runs on a session of a1's that is still open, so that "allowed"
// shows as success.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	type call struct {
		method, path, body string
	}
	complete := `{"operationName":"Complete"}`
	endpoints := map[string]func(session string) call{
		"complete":         func(s string) call { return call{http.MethodPost, "/api/v2/me/facebooksessions/" + s, complete} },
		"complete legacy":  func(s string) call { return call{http.MethodPost, "/api/v2/me/facebooksession/" + s, complete} },
		"get mine":         func(s string) call { return call{http.MethodGet, "/api/v2/me/facebooksessions/" + s, ""} },
		"get mine legacy":  func(s string) call { return call{http.MethodGet, "/api/v2/me/facebooksession/" + s, ""} },
		"get by uri":       func(s string) call { return call{http.MethodGet, "/api/v2/facebooksessions/" + s, ""} },
		"list mine":        func(string) call { return call{http.MethodGet, "/api/v2/me/facebooksessions", ""} },
		"me":               func(string) call { return call{http.MethodGet, "/api/v2/me", ""} },
		"list mine legacy": func(string) call { return call{http.MethodGet, "/api/v2/me/facebooksession", ""} },
		"messages":         func(s string) call { return call{http.MethodGet, "/api/v2/facebooksessions/" + s + "/messages", ""} },
		"customer message": func(s string) call {
			return call{http.MethodPost, "/api/v2/facebooksessions/" + s, `{"operationName":"CustomerMessage","text":"hi"}`}
		},
		"intake": func(s string) call {
			return call{http.MethodPost, "/api/v2/facebooksessions", `{"id":"new-` + s + `","agentId":"a1"}`}
		},
	}
	// expected[caller][endpoint] = HTTP status and statusCode.
	type want struct{ status, code int }
	denied := want{401, 20}
	expected := map[string]map[string]want{
		"":       {"complete": denied, "complete legacy": denied, "get mine": denied, "get mine legacy": denied, "get by uri": denied, "list mine": denied, "me": denied, "intake": denied, "list mine legacy": denied, "messages": denied, "customer message": denied},
		"wrong":  {"complete": denied, "complete legacy": denied, "get mine": denied, "get mine legacy": denied, "get by uri": denied, "list mine": denied, "me": denied, "intake": denied, "list mine legacy": denied, "messages": denied, "customer message": denied},
		"gone":   {"complete": denied, "complete legacy": denied, "get mine": denied, "get mine legacy": denied, "get by uri": denied, "list mine": denied, "me": denied, "intake": denied, "list mine legacy": denied, "messages": denied, "customer message": denied},
		"a1":     {"complete": {200, 0}, "complete legacy": {200, 0}, "get mine": {200, 0}, "get mine legacy": {200, 0}, "get by uri": {200, 0}, "list mine": {200, 0}, "me": {200, 0}, "intake": {403, 3}, "list mine legacy": {200, 0}, "messages": {200, 0}, "customer message": {403, 3}},
		"a2":     {"complete": {404, 6}, "complete legacy": {404, 6}, "get mine": {404, 6}, "get mine legacy": {404, 6}, "get by uri": {404, 6}, "list mine": {200, 0}, "me": {200, 0}, "intake": {403, 3}, "list mine legacy": {200, 0}, "messages": {404, 6}, "customer message": {403, 3}},
		"sup":    {"complete": {404, 6}, "complete legacy": {404, 6}, "get mine": {404, 6}, "get mine legacy": {404, 6}, "get by uri": {200, 0}, "list mine": {200, 0}, "me": {200, 0}, "intake": {403, 3}, "list mine legacy": {200, 0}, "messages": {200, 0}, "customer message": {403, 3}},
		"router": {"complete": {403, 5}, "complete legacy": {403, 5}, "get mine": {403, 5}, "get mine legacy": {403, 5}, "get by uri": {200, 0}, "list mine": {403, 5}, "me": {200, 0}, "intake": {201, 0}, "list mine legacy": {403, 5}, "messages": {200, 0}, "customer message": {200, 0}},
		"nofeat": {"complete": {403, 5}, "complete legacy": {403, 5}, "get mine": {403, 5}, "get mine legacy": {403, 5}, "get by uri": {403, 5}, "list mine": {403, 5}, "me": {200, 0}, "intake": {403, 3}, "list mine legacy": {403, 5}, "messages": {403, 5}, "customer message": {403, 3}},
	}
	forEachStore(t, func(t *testing.T, e *env) {
		n := 0
		for caller, row := range expected {
			for endpoint, w := range row {
				n++
				session := "m" + string(rune('a'+n%26)) + string(rune('a'+n/26))
				e.start(session, "a1")
				c := endpoints[endpoint](session)
				var body any
				if c.body != "" {
					body = c.body
				}
				r := e.do(c.method, c.path, caller, body)
				require.Equal(t, w.status, r.status, "%q → %s: %s", caller, endpoint, r.raw)
				require.Equal(t, w.code, r.code(), "%q → %s", caller, endpoint)
				if c.method == http.MethodPost && w.status >= 400 {
					require.Len(t, e.types(session), 1, "%q → %s appended nothing", caller, endpoint)
				}
			}
		}
	})
}
