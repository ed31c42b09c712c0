package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// ?fields selects the resource's fields, exactly those asked for, on every
// read of sessions.
func TestFieldsSelection(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		for _, path := range []string{
			"/api/v2/me/facebooksessions/s1?fields=state,id",
			"/api/v2/me/facebooksession/s1?fields=state,id",
			"/api/v2/facebooksessions/s1?fields=id,state",
		} {
			r := e.do(http.MethodGet, path, "a1", nil)
			require.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.raw)
			require.Equal(t, map[string]any{"id": "s1", "state": "Chatting"}, r.body["facebooksession"], path)
			require.JSONEq(t, `{"statusCode":0,"facebooksession":{"id":"s1","state":"Chatting"}}`, string(r.raw))
		}
		all := e.do(http.MethodGet, "/api/v2/facebooksessions/s1?fields=*", "a1", nil)
		require.Len(t, all.body["facebooksession"], 11)
		none := e.do(http.MethodGet, "/api/v2/facebooksessions/s1", "a1", nil)
		require.Equal(t, all.body, none.body)

		list := e.do(http.MethodGet, "/api/v2/me/facebooksessions?fields=uri,capabilities", "a1", nil)
		require.Equal(t, http.StatusOK, list.status, "%s", list.raw)
		require.Equal(t, []any{map[string]any{
			"uri":          e.baseURL + "/api/v2/facebooksessions/s1",
			"capabilities": []any{"Transfer", "Complete", "Leave", "InFocus", "SendMessage", "SendStartTypingNotification", "SendStopTypingNotification", "UpdateUserData", "DeleteUserData"},
		}}, list.body["facebooksessions"])

		for _, path := range []string{
			"/api/v2/me/facebooksessions?fields=ID",
			"/api/v2/me/facebooksessions?fields=id,",
			"/api/v2/me/facebooksession?fields=agentId",
			"/api/v2/me/facebooksessions/s1?fields=x",
			"/api/v2/facebooksessions/s1?fields=id,x",
		} {
			r := e.do(http.MethodGet, path, "a1", nil)
			require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", path, r.raw)
			require.Equal(t, 10, r.code())
		}
	})
}

// GET /me/facebooksession, the 2015 spelling, lists as the plural does.
func TestSingularListPath(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		e.start("s2", "a1")
		e.start("s3", "a2")
		for _, q := range []string{"", "?fields=*", "?fields=id", "?limit=1", "?limit=1&after=s1"} {
			plural := e.do(http.MethodGet, "/api/v2/me/facebooksessions"+q, "a1", nil)
			singular := e.do(http.MethodGet, "/api/v2/me/facebooksession"+q, "a1", nil)
			require.Equal(t, http.StatusOK, singular.status, "%s: %s", q, singular.raw)
			require.Equal(t, plural.body, singular.body, q)
		}
		r := e.do(http.MethodGet, "/api/v2/me/facebooksession", "a1", nil)
		require.Len(t, r.body["uris"], 2)
		require.Equal(t, http.StatusForbidden, e.do(http.MethodGet, "/api/v2/me/facebooksession", "nofeat", nil).status)
		require.Equal(t, http.StatusUnauthorized, e.do(http.MethodGet, "/api/v2/me/facebooksession", "", nil).status)
	})
}

// Intake's state and suggestedQueueUris, and the optional fields left out.
func TestIntakeStateAndOptionalFields(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		r := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", map[string]any{"id": "s1", "agentId": "a1"})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		s := e.session("s1")
		require.Equal(t, "Invited", s["state"])
		require.Equal(t, []any{"Accept", "Reject"}, s["capabilities"])
		require.NotContains(t, s, "comment")
		require.NotContains(t, s, "receivedDate")
		require.Equal(t, []any{}, s["suggestedQueueUris"])
		require.Equal(t, []any{e.baseURL + "/api/v2/facebooksessions/s1"}, e.listed("a1"), "an offer is listed")

		queues := []any{"http://gws:8090/api/v2/queues/Social.Media", "http://gws:8090/api/v2/queues/Other"}
		r = e.do(http.MethodPost, "/api/v2/facebooksessions", "router", map[string]any{
			"id": "s2", "agentId": "a1", "state": "Chatting", "suggestedQueueUris": queues, "comment": "c",
		})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		s = e.session("s2")
		require.Equal(t, "Chatting", s["state"])
		require.Equal(t, queues, s["suggestedQueueUris"])
		require.Equal(t, "c", s["comment"])
		require.NotContains(t, s, "receivedDate")

		r = e.do(http.MethodPost, "/api/v2/facebooksessions", "router", map[string]any{"id": "s3", "agentId": "a1", "state": "Invited"})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		require.Equal(t, "Invited", e.session("s3")["state"])

		for _, body := range []map[string]any{
			{"id": "x1", "agentId": "a1", "state": "Completed"},
			{"id": "x1", "agentId": "a1", "state": "chatting"},
			{"id": "x1", "agentId": "a1", "state": true},
			{"id": "x1", "agentId": "a1", "suggestedQueueUris": "Q"},
			{"id": "x1", "agentId": "a1", "suggestedQueueUris": []any{""}},
			{"id": "x1", "agentId": "a1", "suggestedQueueUris": make([]string, 33)},
		} {
			r := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", body)
			require.Equal(t, http.StatusBadRequest, r.status, "%v: %s", body, r.raw)
			require.Equal(t, 10, r.code())
			require.Empty(t, e.types("x1"))
		}
	})
}
