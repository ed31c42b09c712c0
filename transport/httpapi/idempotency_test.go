package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/users"
)

const completeBody = `{"operationName":"Complete"}`

// An integration user that may also read and operate replays the key of
// its intake on a Complete of the session it handed to an agent: the key
// must not answer for a session its sender may not complete.
func TestIdempotencyKeyIsAuthorizedFirst(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		require.NoError(t, e.dir.Add(context.Background(), users.User{ID: "ivr", UserName: "ivr",
			Roles: []users.Role{users.RoleIntegration}, Features: []string{users.FeatureMultimedia}}, password))
		body := intakeSeed(t, "s1")
		body["agentId"] = "a1"
		body["state"] = "Chatting"
		r := e.do(http.MethodPost, "/api/v2/facebooksessions", "ivr", body, "Idempotency-Key", "k")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)

		r = e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "ivr", completeBody, "Idempotency-Key", "k")
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.raw)
		require.Equal(t, 6, r.code())
		require.Equal(t, []string{"SessionStarted"}, e.types("s1"))

		// Another agent's replay of the owner's key is 404 too.
		r = e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", completeBody, "Idempotency-Key", "k2")
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		r = e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a2", completeBody, "Idempotency-Key", "k2")
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.raw)
		require.Equal(t, 6, r.code())
	})
}

// A key sent again with another request is refused (422/10), the first
// result never passed off as the second's; the same request, however its
// JSON is spelled, is a retry.
func TestIdempotencyKeyReusedForAnotherBody(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		body := intakeSeed(t, "s1")
		body["agentId"] = "a1"
		body["state"] = "Chatting"
		r := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", body, "Idempotency-Key", "in")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		body["comment"] = "another comment"
		r = e.do(http.MethodPost, "/api/v2/facebooksessions", "router", body, "Idempotency-Key", "in")
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.raw)
		require.Equal(t, 10, r.code())
		require.NotEmpty(t, r.body["statusMessage"])
		r = e.do(http.MethodPost, "/api/v2/facebooksessions", "router", intakeSeedAs(t, "s1", "a1"), "Idempotency-Key", "in")
		require.Equal(t, http.StatusOK, r.status, "the same intake is a retry: %s", r.raw)

		r = e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", completeBody, "Idempotency-Key", "c")
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		ref := r.body["referenceId"]
		r = e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1",
			`{"queueName":"Q","operationName":"Complete"}`, "Idempotency-Key", "c")
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.raw)
		require.Equal(t, 10, r.code())
		r = e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1",
			"{ \"operationName\" : \"Complete\" }", "Idempotency-Key", "c")
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Equal(t, ref, r.body["referenceId"])
		require.Equal(t, []string{"SessionStarted", "SessionEnded", "InteractionCompleted"}, e.types("s1"))
	})
}

// intakeSeedAs is the seed's intake for agent, its JSON keys in another
// order than intakeSeed's map gives.
func intakeSeedAs(t *testing.T, id, agent string) []byte {
	t.Helper()
	body := intakeSeed(t, id)
	body["agentId"] = agent
	body["state"] = "Chatting"
	raw := []byte(`{`)
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	// The reverse of the sorted order json.Marshal gives maps.
	sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	for i, k := range keys {
		if i > 0 {
			raw = append(raw, ',')
		}
		kv, err := json.Marshal(map[string]any{k: body[k]})
		require.NoError(t, err)
		raw = append(raw, kv[1:len(kv)-1]...)
	}
	return append(raw, '}')
}
