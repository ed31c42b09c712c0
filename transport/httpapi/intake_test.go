package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIntake(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		r := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", intakeSeed(t, "s1"))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		require.Equal(t, e.baseURL+"/api/v2/facebooksessions/s1", r.body["uri"])
		require.Equal(t, r.body["uri"], r.header.Get("Location"))
		require.Equal(t, []string{"SessionStarted"}, e.types("s1"))
		g := e.do(http.MethodGet, "/api/v2/me/facebooksessions/s1", "a1", nil).body["facebooksession"].(map[string]any)
		require.Equal(t, "Invited", g["state"], "offered to the agent")
		require.Equal(t, []any{"Accept", "Reject"}, g["capabilities"])
		require.Equal(t, "Inbound", g["facebooksessionType"])

		// No id: one is generated.
		body := intakeSeed(t, "")
		delete(body, "id")
		gen := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", body)
		require.Equal(t, http.StatusCreated, gen.status, "%s", gen.raw)
		uri := gen.body["uri"].(string)
		id := uri[strings.LastIndex(uri, "/")+1:]
		require.Len(t, id, 16)
		require.Equal(t, []string{"SessionStarted"}, e.types(id))

		// The same key again answers the first response; another is 409/18.
		keyed := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", intakeSeed(t, "s2"), "Idempotency-Key", "i-1")
		require.Equal(t, http.StatusCreated, keyed.status)
		replay := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", intakeSeed(t, "s2"), "Idempotency-Key", "i-1")
		require.Equal(t, http.StatusOK, replay.status)
		require.Equal(t, keyed.body["uri"], replay.body["uri"])
		require.Len(t, e.types("s2"), 1)
		dup := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", intakeSeed(t, "s2"))
		require.Equal(t, 409, dup.status)
		require.Equal(t, 18, dup.code())
	})
}

func TestIntakeFailures(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		with := func(f func(map[string]any)) map[string]any {
			b := intakeSeed(t, "x1")
			f(b)
			return b
		}
		for _, tc := range []struct {
			name         string
			as           string
			body         any
			status, code int
		}{
			{"agent role", "a1", intakeSeed(t, "x1"), 403, 3},
			{"supervisor role", "sup", intakeSeed(t, "x1"), 403, 3},
			{"no credentials", "", intakeSeed(t, "x1"), 401, 20},
			{"agentId missing", "router", with(func(b map[string]any) { delete(b, "agentId") }), 400, 1},
			{"unknown agent", "router", with(func(b map[string]any) { b["agentId"] = "nobody" }), 400, 10},
			{"disabled agent", "router", with(func(b map[string]any) { b["agentId"] = "gone" }), 400, 10},
			{"not an agent", "router", with(func(b map[string]any) { b["agentId"] = "sup" }), 400, 10},
			{"bad id", "router", with(func(b map[string]any) { b["id"] = "a.*" }), 400, 10},
			{"id wrong type", "router", with(func(b map[string]any) { b["id"] = 7 }), 400, 10},
			{"nested userData", "router", with(func(b map[string]any) { b["userData"] = map[string]any{"a": map[string]any{}} }), 400, 10},
			{"userData array", "router", with(func(b map[string]any) { b["userData"] = []any{1} }), 400, 10},
			{"participants object", "router", with(func(b map[string]any) { b["participants"] = map[string]any{} }), 400, 10},
			{"SQL in id", "router", with(func(b map[string]any) { b["id"] = "x'; DROP TABLE events;--" }), 400, 10},
			{"not JSON", "router", "{", 400, 10},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(http.MethodPost, "/api/v2/facebooksessions", tc.as, tc.body)
				require.Equal(t, tc.status, r.status, "%s", r.raw)
				require.Equal(t, tc.code, r.code())
				require.Empty(t, e.types("x1"))
			})
		}
	})
}
