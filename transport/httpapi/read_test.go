package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/jsonshape"
	"github.com/fbsession/fbsession/internal/seedfixtures"
)

func TestReadAuthorization(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		for _, tc := range []struct {
			as, path     string
			status, code int
		}{
			{"a1", "/api/v2/me/facebooksessions/s1", 200, 0},
			{"a1", "/api/v2/facebooksessions/s1", 200, 0},
			{"a2", "/api/v2/me/facebooksessions/s1", 404, 6},
			{"a2", "/api/v2/facebooksessions/s1", 404, 6},
			{"sup", "/api/v2/facebooksessions/s1", 200, 0},
			{"sup", "/api/v2/me/facebooksessions/s1", 404, 6},
			{"nofeat", "/api/v2/facebooksessions/s1", 403, 5},
			{"router", "/api/v2/facebooksessions/s1", 200, 0},
			{"router", "/api/v2/me/facebooksessions/s1", 403, 5},
			{"", "/api/v2/facebooksessions/s1", 401, 20},
			{"a1", "/api/v2/facebooksessions/nope", 404, 6},
		} {
			r := e.do(http.MethodGet, tc.path, tc.as, nil)
			require.Equal(t, tc.status, r.status, "%s %s: %s", tc.as, tc.path, r.raw)
			require.Equal(t, tc.code, r.code())
		}
	})
}

func TestSessionResourceHasTheSeedShape(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("0002DaAVKJ0V0095", "a1")
		require.Equal(t, 200, e.do(http.MethodPost, "/api/v2/me/facebooksessions/0002DaAVKJ0V0095", "a1", `{"operationName":"Complete"}`).status)
		got := e.do(http.MethodGet, "/api/v2/me/facebooksessions/0002DaAVKJ0V0095", "a1", nil).body["facebooksession"].(map[string]any)

		raw := seedfixtures.SeedNotification()
		var seed map[string]any
		require.NoError(t, json.Unmarshal(raw, &seed))
		want := seed["facebooksession"].(map[string]any)
		require.NoError(t, jsonshape.Compare(want, got))
		require.Equal(t, want["userData"], got["userData"], "user data survives intake byte for byte")
		require.Equal(t, want["participants"], got["participants"])
		require.Equal(t, want["comment"], got["comment"])
	})
}

func TestListAndMe(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		e.start("s2", "a1")
		e.start("s3", "a2")
		require.Equal(t, 200, e.do(http.MethodPost, "/api/v2/me/facebooksessions/s2", "a1", `{"operationName":"Complete"}`).status)

		r := e.do(http.MethodGet, "/api/v2/me/facebooksessions", "a1", nil)
		require.Equal(t, []any{e.baseURL + "/api/v2/facebooksessions/s1"}, r.body["uris"])
		full := e.do(http.MethodGet, "/api/v2/me/facebooksessions?fields=*", "a1", nil)
		sessions := full.body["facebooksessions"].([]any)
		require.Len(t, sessions, 1)
		require.Equal(t, "Chatting", sessions[0].(map[string]any)["state"])
		require.Contains(t, sessions[0].(map[string]any)["capabilities"], "Complete")
		ids := e.do(http.MethodGet, "/api/v2/me/facebooksessions?fields=id", "a1", nil)
		require.Equal(t, []any{map[string]any{"id": "s1"}}, ids.body["facebooksessions"])
		require.Equal(t, 400, e.do(http.MethodGet, "/api/v2/me/facebooksessions?fields=owner", "a1", nil).status)

		me := e.do(http.MethodGet, "/api/v2/me", "a1", nil)
		require.Equal(t, map[string]any{"id": "a1", "userName": "agent1", "roles": []any{"agent"}, "features": []any{"api-multimedia"}}, me.body["user"])
	})
}

func TestStoreUnreachable(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		require.NoError(t, e.store.Close())
		closeDatabase(t, e)
		r := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`)
		require.Equal(t, 503, r.status, "%s", r.raw)
		require.Equal(t, 4, r.code())
		ready := e.do(http.MethodGet, "/readyz", "", nil)
		require.Equal(t, 503, ready.status)
	})
}

// closeDatabase makes the store's database unreachable: the SQLite store
// closes its file with Close; PostgreSQL's pool is the caller's to close.
func closeDatabase(t *testing.T, e *env) {
	t.Helper()
	if p, ok := e.store.(interface{ Pool() *pgxpool.Pool }); ok {
		p.Pool().Close()
	}
}
