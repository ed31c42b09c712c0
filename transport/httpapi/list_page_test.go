package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// An agent's list is answered a page at a time: at most 100 sessions, and
// nextAfter to ask for the next page, until the last one.
func TestListMineIsPaged(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		const n = 105
		for i := range n {
			e.start(fmt.Sprintf("p%03d", i), "a1")
		}
		r := e.do(http.MethodGet, "/api/v2/me/facebooksessions?fields=*", "a1", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Len(t, r.body["facebooksessions"], 100)
		require.Equal(t, "p099", r.body["nextAfter"])

		var uris []any
		path := "/api/v2/me/facebooksessions?limit=40"
		for pages := 0; ; pages++ {
			require.Less(t, pages, 3)
			r := e.do(http.MethodGet, path, "a1", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
			uris = append(uris, r.body["uris"].([]any)...)
			next, more := r.body["nextAfter"].(string)
			if !more {
				break
			}
			path = "/api/v2/me/facebooksessions?limit=40&after=" + next
		}
		require.Len(t, uris, n)
		require.Equal(t, e.baseURL+"/api/v2/facebooksessions/p104", uris[n-1])

		for _, q := range []string{"limit=0", "limit=101", "limit=x", "after=a.b", "after=" + strings.Repeat("x", 65)} {
			r := e.do(http.MethodGet, "/api/v2/me/facebooksessions?"+q, "a1", nil)
			require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", q, r.raw)
			require.Equal(t, 10, r.code(), q)
		}
	})
}
