package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/agentlog"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/users"
)

var (
	start    = map[string]any{"operationName": "StartContactCenterSession", "channels": []string{"facebooksession"}}
	end      = map[string]any{"operationName": "EndContactCenterSession"}
	ready    = map[string]any{"operationName": "Ready"}
	notReady = map[string]any{"operationName": "NotReady", "reasonCode": "Lunch"}
)

// agentTypes are the event types of an agent's channel stream.
func (e *env) agentTypes(agent string) []string {
	e.t.Helper()
	events, err := e.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: agentlog.StreamID(agent)})
	if err != nil {
		require.ErrorIs(e.t, err, eventstore.ErrNotFound)
		return nil
	}
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.Type
	}
	return out
}

// channelState is the caller's facebooksession userState, "" for none.
func (e *env) channelState(as string) (state, reason string) {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v2/me/channels", as, nil)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
	chans := r.body["channels"].([]any)
	if len(chans) == 0 {
		return "", ""
	}
	us := chans[0].(map[string]any)["userState"].(map[string]any)
	reason, _ = us["reasonCode"].(string)
	return us["state"].(string), reason
}

func TestAgentChannelsLife(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		state, _ := e.channelState("a1")
		require.Empty(t, state)

		r := e.do(http.MethodPost, "/api/v2/me", "a1", start)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Positive(t, r.body["referenceId"])
		r = e.do(http.MethodGet, "/api/v2/me/channels", "a1", nil)
		require.JSONEq(t, `{"statusCode":0,"channels":[{"channel":"facebooksession",
			"userState":{"id":"900D55CC-2BB0-431F-8BF9-D3525B383BE6","displayName":"Not Ready","state":"NotReady"}}]}`, string(r.raw))

		r = e.do(http.MethodPost, "/api/v2/me/channels/facebooksession", "a1", ready)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		state, _ = e.channelState("a1")
		require.Equal(t, "Ready", state)

		r = e.do(http.MethodPost, "/api/v2/me/channels/facebooksession", "a1", notReady)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		state, reason := e.channelState("a1")
		require.Equal(t, []string{"NotReady", "Lunch"}, []string{state, reason})

		require.NoError(t, e.dir.Add(context.Background(), users.User{ID: "boss", UserName: "boss",
			Roles: []users.Role{users.RoleSupervisor}, Features: []string{users.FeatureSupervisorAgentControl}}, password))
		r = e.do(http.MethodPost, "/api/v2/users/a1/channels/facebooksession", "boss", ready)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		state, _ = e.channelState("a1")
		require.Equal(t, "Ready", state)

		r = e.do(http.MethodPost, "/api/v2/me", "a1", end)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		state, _ = e.channelState("a1")
		require.Empty(t, state)
		require.Equal(t, []string{"ContactCenterSessionStarted", "ChannelReady", "ChannelNotReady", "ChannelReady", "ContactCenterSessionEnded"}, e.agentTypes("a1"))

		// The supervisor's change is theirs in the log.
		events, err := e.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: agentlog.StreamID("a1")})
		require.NoError(t, err)
		meta, err := sessionlog.ReadMetadata(&events[3])
		require.NoError(t, err)
		require.Equal(t, "boss", meta.Actor)
		require.Equal(t, "Ready", meta.Operation)
	})
}

// Every refusal appends nothing and answers with its GWS code.
func TestAgentChannelsRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		require.NoError(t, e.dir.Add(ctx, users.User{ID: "boss", UserName: "boss",
			Roles: []users.Role{users.RoleSupervisor}, Features: []string{users.FeatureSupervisorAgentControl}}, password))
		require.NoError(t, e.dir.Add(ctx, users.User{ID: "lead", UserName: "lead",
			Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureSupervisorAgentControl, users.FeatureMultimedia}}, password))
		for _, tc := range []struct {
			name, method, path, as string
			body                   any
			status, code           int
			message                string
		}{
			{"Ready before start", "POST", "/api/v2/me/channels/facebooksession", "a1", ready, 409, 2, "Ready is not valid before StartContactCenterSession"},
			{"NotReady before start", "POST", "/api/v2/me/channels/facebooksession", "a1", notReady, 409, 2, "NotReady is not valid before StartContactCenterSession"},
			{"End before start", "POST", "/api/v2/me", "a1", end, 409, 2, "EndContactCenterSession is not valid before StartContactCenterSession"},
			{"unknown channel", "POST", "/api/v2/me/channels/chat", "a1", ready, 404, 6, "No channel chat; the only channel is facebooksession"},
			{"start on unknown channel", "POST", "/api/v2/me", "a1", map[string]any{"operationName": "StartContactCenterSession", "channels": []string{"chat"}}, 400, 10, `channel "chat" is not supported; supported: facebooksession`},
			{"start without channels", "POST", "/api/v2/me", "a1", map[string]any{"operationName": "StartContactCenterSession"}, 400, 1, "channels is required"},
			{"start with no channel", "POST", "/api/v2/me", "a1", map[string]any{"operationName": "StartContactCenterSession", "channels": []string{}}, 400, 10, "channels must name at least one channel"},
			{"channels not an array", "POST", "/api/v2/me", "a1", `{"operationName":"StartContactCenterSession","channels":"facebooksession"}`, 400, 10, ""},
			{"unknown me operation", "POST", "/api/v2/me", "a1", map[string]any{"operationName": "Dance"}, 400, 10, `operationName "Dance" is not supported; supported: StartContactCenterSession, EndContactCenterSession`},
			{"missing operationName", "POST", "/api/v2/me", "a1", map[string]any{}, 400, 1, "operationName is required"},
			{"unknown channel operation", "POST", "/api/v2/me/channels/facebooksession", "a1", map[string]any{"operationName": "OutToLunch"}, 400, 10, `operationName "OutToLunch" is not supported; supported: Ready, NotReady`},
			{"reason too long", "POST", "/api/v2/me/channels/facebooksession", "a1", map[string]any{"operationName": "NotReady", "reasonCode": strings.Repeat("x", 65)}, 400, 10, "reasonCode must be 1-64 characters"},
			{"reason empty", "POST", "/api/v2/me/channels/facebooksession", "a1", map[string]any{"operationName": "NotReady", "reasonCode": ""}, 400, 10, "reasonCode must not be empty; leave it out for none"},
			{"reason hidden", "POST", "/api/v2/me/channels/facebooksession", "a1", map[string]any{"operationName": "NotReady", "reasonCode": "a\u202eb"}, 400, 10, "reasonCode must be printable characters"},
			{"no feature, me", "POST", "/api/v2/me", "nofeat", start, 403, 5, "The user lacks the api-multimedia feature"},
			{"no feature, channels", "GET", "/api/v2/me/channels", "nofeat", nil, 403, 5, "The user lacks the api-multimedia feature"},
			{"no credentials", "POST", "/api/v2/me", "", start, 401, 20, "Access denied"},
			{"supervisor without the feature", "POST", "/api/v2/users/a1/channels/facebooksession", "sup", ready, 403, 5, "The user lacks the api-supervisor-agent-control feature"},
			{"feature without the role", "POST", "/api/v2/users/a1/channels/facebooksession", "lead", ready, 403, 3, "This operation needs the supervisor role"},
			{"agent controls another", "POST", "/api/v2/users/a2/channels/facebooksession", "a1", ready, 403, 3, "This operation needs the supervisor role"},
			{"unknown user", "POST", "/api/v2/users/nobody/channels/facebooksession", "boss", ready, 404, 6, "Not found"},
			{"user not an agent", "POST", "/api/v2/users/router/channels/facebooksession", "boss", ready, 404, 6, "Not found"},
			{"disabled agent", "POST", "/api/v2/users/gone/channels/facebooksession", "boss", ready, 404, 6, "Not found"},
			{"invalid user id", "POST", "/api/v2/users/a.b/channels/facebooksession", "boss", ready, 400, 10, "The id must be 1-64 characters of [A-Za-z0-9_-]"},
			{"supervisor before the agent's start", "POST", "/api/v2/users/a1/channels/facebooksession", "boss", ready, 409, 2, "Ready is not valid before StartContactCenterSession"},
			{"supervisor on unknown channel", "POST", "/api/v2/users/a1/channels/chat", "boss", ready, 404, 6, "No channel chat; the only channel is facebooksession"},
			{"supervisor starts", "POST", "/api/v2/users/a1/channels/facebooksession", "boss", start, 400, 10, `operationName "StartContactCenterSession" is not supported; supported: Ready, NotReady`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(tc.method, tc.path, tc.as, tc.body)
				require.Equal(t, tc.status, r.status, "%s", r.raw)
				require.Equal(t, tc.code, r.code(), "%s", r.raw)
				if tc.message != "" {
					require.Equal(t, tc.message, r.body["statusMessage"])
				}
				for _, u := range []string{"a1", "a2", "nobody", "router", "gone", "nofeat"} {
					require.Empty(t, e.agentTypes(u), "%s's stream", u)
				}
			})
		}
	})
}

// A retry with the same Idempotency-Key gets the first answer and
// appends nothing; the key with another request is 422/10.
func TestAgentChannelsIdempotency(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		first := e.do(http.MethodPost, "/api/v2/me", "a1", start, "Idempotency-Key", "k1")
		require.Equal(t, http.StatusOK, first.status, "%s", first.raw)
		again := e.do(http.MethodPost, "/api/v2/me", "a1", start, "Idempotency-Key", "k1")
		require.Equal(t, first.body["referenceId"], again.body["referenceId"])
		require.Len(t, e.agentTypes("a1"), 1)
		other := e.do(http.MethodPost, "/api/v2/me", "a1", map[string]any{"operationName": "StartContactCenterSession", "channels": []string{"facebooksession", "facebooksession"}}, "Idempotency-Key", "k1")
		require.Equal(t, http.StatusUnprocessableEntity, other.status, "%s", other.raw)
		require.Len(t, e.agentTypes("a1"), 1)
	})
}
