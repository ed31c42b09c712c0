package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// op posts an agent operation on a session.
func (e *env) op(id, as, body string, headers ...string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v2/me/facebooksessions/"+id, as, body, headers...)
}

// integration posts an operation of the integration side on a session.
func (e *env) integration(id, as, body string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v2/facebooksessions/"+id, as, body)
}

// ok requires a success answered with a referenceId.
func ok(t *testing.T, r response) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, 0, r.code())
	require.Positive(t, r.body["referenceId"])
}

// session reads a session by its uri as the supervisor.
func (e *env) session(id string) map[string]any {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v2/facebooksessions/"+id, "sup", nil)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
	return r.body["facebooksession"].(map[string]any)
}

func (e *env) listed(as string) []any {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v2/me/facebooksessions", as, nil)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
	return r.body["uris"].([]any)
}

// Each agent operation, from a state that allows it: the answer, the
// events appended and the session after.
func TestAgentOperations(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.startIn("s1", "a1", "")
		s := e.session("s1")
		require.Equal(t, "Invited", s["state"])
		require.Equal(t, []any{"Accept", "Reject"}, s["capabilities"])

		ok(t, e.op("s1", "a1", `{"operationName":"Accept"}`))
		s = e.session("s1")
		require.Equal(t, "Chatting", s["state"])
		require.Equal(t, []any{"Transfer", "Complete", "Leave", "InFocus", "SendMessage", "SendStartTypingNotification",
			"SendStopTypingNotification", "UpdateUserData", "DeleteUserData"}, s["capabilities"])
		agent := s["participants"].([]any)[1].(map[string]any)
		require.Equal(t, map[string]any{"nickname": "agent1", "type": "Agent", "id": "a1", "visibility": "All", "participantId": "a1"}, agent,
			"the nickname defaults to the user name")

		ok(t, e.op("s1", "a1", `{"operationName":"SendStartTypingNotification"}`))
		ok(t, e.op("s1", "a1", `{"operationName":"SendStopTypingNotification"}`))
		ok(t, e.op("s1", "a1", `{"operationName":"SendMessage","text":"Hello, how can I help?"}`))
		ok(t, e.op("s1", "a1", `{"operationName":"InFocus"}`))
		ok(t, e.op("s1", "a1", `{"operationName":"UpdateUserData","userData":{"Segment":"gold","FirstName":"V"}}`))
		s = e.session("s1")
		require.Equal(t, "gold", s["userData"].(map[string]any)["Segment"])
		require.Equal(t, "V", s["userData"].(map[string]any)["FirstName"])
		ok(t, e.op("s1", "a1", `{"operationName":"DeleteUserData","keys":["Segment","LastName"]}`))
		s = e.session("s1")
		require.NotContains(t, s["userData"], "Segment")
		require.NotContains(t, s["userData"], "LastName")
		ok(t, e.op("s1", "a1", `{"operationName":"Complete","queueName":"Social.Media.Queue"}`))
		require.Equal(t, []string{"SessionStarted", "OfferAccepted", "AgentTypingStarted", "AgentTypingStopped", "AgentMessageSent",
			"SessionFocused", "UserDataUpdated", "UserDataDeleted", "SessionEnded", "QueuedTo"}, e.types("s1"))
		require.Equal(t, "Completed", e.session("s1")["state"])

		// Accept with a nickname; Leave.
		e.startIn("s2", "a1", "Invited")
		ok(t, e.op("s2", "a1", `{"operationName":"Accept","nickname":"Agent Smith"}`))
		require.Equal(t, "Agent Smith", e.session("s2")["participants"].([]any)[1].(map[string]any)["nickname"])
		ok(t, e.op("s2", "a1", `{"operationName":"Leave"}`))
		require.Equal(t, []string{"SessionStarted", "OfferAccepted", "AgentLeft"}, e.types("s2"))

		// Reject.
		e.startIn("s3", "a1", "")
		ok(t, e.op("s3", "a1", `{"operationName":"Reject"}`))
		require.Equal(t, []string{"SessionStarted", "OfferRejected"}, e.types("s3"))
		require.Equal(t, "Completed", e.session("s3")["state"])

		// Transfer to a queue, on the 2015 path.
		e.start("s4", "a1")
		ok(t, e.do(http.MethodPost, "/api/v2/me/facebooksession/s4", "a1", `{"operationName":"Transfer","queueName":"Social.Media.Queue"}`))
		require.Equal(t, []string{"SessionStarted", "TransferredToQueue"}, e.types("s4"))

		// The sessions left behind are no longer a1's.
		require.Empty(t, e.listed("a1"))
		for _, id := range []string{"s2", "s3", "s4"} {
			r := e.do(http.MethodGet, "/api/v2/me/facebooksessions/"+id, "a1", nil)
			require.Equal(t, http.StatusNotFound, r.status, "%s: %s", id, r.raw)
			require.Equal(t, 6, r.code())
		}
		// s1 was completed by a1, and stays readable by them.
		require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v2/me/facebooksessions/s1", "a1", nil).status)
	})
}

// A session transferred to another agent leaves the first agent's list and
// reads, and is offered to the second.
func TestTransferToAnotherAgent(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		uri := e.baseURL + "/api/v2/facebooksessions/s1"
		require.Equal(t, []any{uri}, e.listed("a1"))
		require.Empty(t, e.listed("a2"))

		ok(t, e.op("s1", "a1", `{"operationName":"Transfer","targetUri":"http://gws.example:8090/api/v2/users/a2"}`))
		require.Equal(t, []string{"SessionStarted", "TransferredToAgent"}, e.types("s1"))
		require.Empty(t, e.listed("a1"))
		require.Equal(t, []any{uri}, e.listed("a2"))
		for _, path := range []string{"/api/v2/me/facebooksessions/s1", "/api/v2/facebooksessions/s1", "/api/v2/facebooksessions/s1/messages"} {
			r := e.do(http.MethodGet, path, "a1", nil)
			require.Equal(t, http.StatusNotFound, r.status, "%s: %s", path, r.raw)
		}
		mine := e.do(http.MethodGet, "/api/v2/me/facebooksessions/s1", "a2", nil)
		require.Equal(t, http.StatusOK, mine.status, "%s", mine.raw)
		require.Equal(t, "Invited", mine.body["facebooksession"].(map[string]any)["state"])

		// The first agent may do nothing more with it.
		r := e.op("s1", "a1", `{"operationName":"Complete"}`)
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.raw)
		ok(t, e.op("s1", "a2", `{"operationName":"Accept"}`))
		ok(t, e.op("s1", "a2", `{"operationName":"Complete"}`))
		require.Empty(t, e.listed("a2"))
	})
}

// Every failure class of every agent operation, with nothing appended.
func TestAgentOperationFailures(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.startIn("inv", "a1", "Invited")
		e.start("chat", "a1")
		e.start("other", "a2")
		for _, tc := range []struct {
			name, session, body string
			status, code        int
			message             string
		}{
			// 400/1: a required parameter missing.
			{"SendMessage without text", "chat", `{"operationName":"SendMessage"}`, 400, 1, "text is required"},
			{"SendMessage with null text", "chat", `{"operationName":"SendMessage","text":null}`, 400, 1, "text is required"},
			{"Transfer without target", "chat", `{"operationName":"Transfer"}`, 400, 1, "targetUri or queueName is required"},
			{"UpdateUserData without userData", "chat", `{"operationName":"UpdateUserData"}`, 400, 1, "userData is required"},
			{"DeleteUserData without keys", "chat", `{"operationName":"DeleteUserData"}`, 400, 1, "keys is required"},
			// 400/10: a parameter of the wrong type.
			{"Accept nickname a number", "inv", `{"operationName":"Accept","nickname":1}`, 400, 10, "nickname has the wrong type: string expected"},
			{"SendMessage text an array", "chat", `{"operationName":"SendMessage","text":["x"]}`, 400, 10, ""},
			{"Transfer targetUri an object", "chat", `{"operationName":"Transfer","targetUri":{}}`, 400, 10, ""},
			{"DeleteUserData keys a string", "chat", `{"operationName":"DeleteUserData","keys":"a"}`, 400, 10, ""},
			{"DeleteUserData keys of numbers", "chat", `{"operationName":"DeleteUserData","keys":[1]}`, 400, 10, ""},
			// 400/10: a bad value.
			{"Accept nickname empty", "inv", `{"operationName":"Accept","nickname":""}`, 400, 10, ""},
			{"Accept nickname too long", "inv", `{"operationName":"Accept","nickname":"` + strings.Repeat("n", 65) + `"}`, 400, 10, ""},
			{"SendMessage text empty", "chat", `{"operationName":"SendMessage","text":""}`, 400, 10, "text must not be empty"},
			{"SendMessage text too long", "chat", `{"operationName":"SendMessage","text":"` + strings.Repeat("t", 4097) + `"}`, 400, 10, "text is longer than 4096 characters"},
			{"SendMessage text with a bidi override", "chat", `{"operationName":"SendMessage","text":"a\u202eb"}`, 400, 10, ""},
			{"Transfer to both", "chat", `{"operationName":"Transfer","targetUri":"/api/v2/users/a2","queueName":"Q"}`, 400, 10, "give targetUri or queueName, not both"},
			{"Transfer to a queue uri", "chat", `{"operationName":"Transfer","targetUri":"http://gws/api/v2/queues/Q"}`, 400, 10, "targetUri must be a user's uri, ending in /api/v2/users/{id}"},
			{"Transfer to a bad user id", "chat", `{"operationName":"Transfer","targetUri":"http://gws/api/v2/users/a.>"}`, 400, 10, ""},
			{"Transfer to an unknown user", "chat", `{"operationName":"Transfer","targetUri":"http://gws/api/v2/users/nobody"}`, 400, 10, "targetUri names no enabled agent with the api-multimedia feature"},
			{"Transfer to a disabled agent", "chat", `{"operationName":"Transfer","targetUri":"http://gws/api/v2/users/gone"}`, 400, 10, "targetUri names no enabled agent with the api-multimedia feature"},
			{"Transfer to a supervisor", "chat", `{"operationName":"Transfer","targetUri":"http://gws/api/v2/users/sup"}`, 400, 10, "targetUri names no enabled agent with the api-multimedia feature"},
			{"Transfer to oneself", "chat", `{"operationName":"Transfer","targetUri":"/api/v2/users/a1"}`, 400, 10, "targetUri names the session's own agent"},
			{"Transfer queueName empty", "chat", `{"operationName":"Transfer","queueName":""}`, 400, 10, ""},
			{"Complete queueName too long", "chat", `{"operationName":"Complete","queueName":"` + strings.Repeat("q", 256) + `"}`, 400, 10, ""},
			{"UpdateUserData not an object", "chat", `{"operationName":"UpdateUserData","userData":[1]}`, 400, 10, ""},
			{"UpdateUserData nested", "chat", `{"operationName":"UpdateUserData","userData":{"a":{"b":1}}}`, 400, 10, ""},
			{"DeleteUserData no keys", "chat", `{"operationName":"DeleteUserData","keys":[]}`, 400, 10, ""},
			{"DeleteUserData repeated key", "chat", `{"operationName":"DeleteUserData","keys":["a","a"]}`, 400, 10, ""},
			{"unknown operation", "chat", `{"operationName":"Dance"}`, 400, 10,
				`operationName "Dance" is not supported; supported: Accept, Reject, Transfer, Complete, Leave, InFocus, SendMessage, SendStartTypingNotification, SendStopTypingNotification, UpdateUserData, DeleteUserData`},
			{"integration operation", "chat", `{"operationName":"CustomerMessage","text":"hi"}`, 400, 10, ""},
			// 409/2: not in the session's capabilities.
			{"Accept while Chatting", "chat", `{"operationName":"Accept"}`, 409, 2, "Accept is not valid in the state Chatting"},
			{"Reject while Chatting", "chat", `{"operationName":"Reject"}`, 409, 2, "Reject is not valid in the state Chatting"},
			{"SendMessage while Invited", "inv", `{"operationName":"SendMessage","text":"hi"}`, 409, 2, "SendMessage is not valid in the state Invited"},
			{"Transfer while Invited", "inv", `{"operationName":"Transfer","queueName":"Q"}`, 409, 2, "Transfer is not valid in the state Invited"},
			{"Complete while Invited", "inv", `{"operationName":"Complete"}`, 409, 2, "Complete is not valid in the state Invited"},
			// 404/6: another agent's session.
			{"Accept another's", "other", `{"operationName":"Accept"}`, 404, 6, "Not found"},
			{"SendMessage to another's", "other", `{"operationName":"SendMessage","text":"hi"}`, 404, 6, "Not found"},
			{"Transfer another's", "other", `{"operationName":"Transfer","targetUri":"/api/v2/users/a2"}`, 404, 6, "Not found"},
			{"UpdateUserData of another's", "other", `{"operationName":"UpdateUserData","userData":{"a":1}}`, 404, 6, "Not found"},
			{"Leave another's", "other", `{"operationName":"Leave"}`, 404, 6, "Not found"},
			{"unknown session", "nope", `{"operationName":"InFocus"}`, 404, 6, "Not found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := map[string]int{"inv": e.version("inv"), "chat": e.version("chat"), "other": e.version("other")}
				r := e.op(tc.session, "a1", tc.body)
				require.Equal(t, tc.status, r.status, "%s", r.raw)
				require.Equal(t, tc.code, r.code(), "%s", r.raw)
				require.Len(t, r.body, 2, "the failure envelope: %s", r.raw)
				if tc.message != "" {
					require.Equal(t, tc.message, r.body["statusMessage"])
				}
				for id, v := range before {
					require.Equal(t, v, e.version(id), "%s: nothing appended", id)
				}
			})
		}
	})
}

// validOperations are a valid body of every agent operation, that
// succeeds wherever the operation is in the capabilities.
var validOperations = map[string]string{
	fb.OperationAccept:         `{"operationName":"Accept"}`,
	fb.OperationReject:         `{"operationName":"Reject"}`,
	fb.OperationTransfer:       `{"operationName":"Transfer","targetUri":"/api/v2/users/a2"}`,
	fb.OperationComplete:       `{"operationName":"Complete"}`,
	fb.OperationLeave:          `{"operationName":"Leave"}`,
	fb.OperationInFocus:        `{"operationName":"InFocus"}`,
	fb.OperationSendMessage:    `{"operationName":"SendMessage","text":"hi"}`,
	fb.OperationStartTyping:    `{"operationName":"SendStartTypingNotification"}`,
	fb.OperationStopTyping:     `{"operationName":"SendStopTypingNotification"}`,
	fb.OperationUpdateUserData: `{"operationName":"UpdateUserData","userData":{"k":"v"}}`,
	fb.OperationDeleteUserData: `{"operationName":"DeleteUserData","keys":["FirstName"]}`,
}

// In each state, the operations refused 409/2 are exactly those not in
// the session's capabilities, and the others succeed.
func TestCapabilitiesAreExactlyTheOperationsAccepted(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		n := 0
		for _, state := range []string{"Invited", "Chatting", "Completed"} {
			refused := []string{}
			var capabilities []any
			for _, op := range fb.AgentOperations() {
				n++
				id := fmt.Sprintf("c%d", n)
				if state == "Completed" {
					e.start(id, "a1")
					ok(t, e.op(id, "a1", `{"operationName":"Complete"}`))
				} else {
					e.startIn(id, "a1", state)
				}
				capabilities = e.session(id)["capabilities"].([]any)
				before := e.version(id)
				r := e.op(id, "a1", validOperations[op])
				switch {
				case r.status == http.StatusConflict:
					require.Equal(t, 2, r.code())
					require.Equal(t, op+" is not valid in the state "+state, r.body["statusMessage"])
					require.Equal(t, before, e.version(id), "nothing appended")
					refused = append(refused, op)
				default:
					ok(t, r)
					require.Greater(t, e.version(id), before)
				}
			}
			var complement []string
			for _, op := range fb.AgentOperations() {
				if !slices.Contains(capabilities, any(op)) {
					complement = append(complement, op)
				}
			}
			require.ElementsMatch(t, complement, refused, state)
			require.Equal(t, fb.Status(state).Capabilities(), toStrings(capabilities), state)
		}
	})
}

func toStrings(xs []any) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.(string)
	}
	return out
}

// A retry with the same Idempotency-Key gets the first answer and
// appends nothing, for any operation.
func TestIdempotencyKeyOnEveryOperation(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		first := e.op("s1", "a1", `{"operationName":"SendMessage","text":"hi"}`, "Idempotency-Key", "m-1")
		ok(t, first)
		again := e.op("s1", "a1", `{"text":"hi","operationName":"SendMessage"}`, "Idempotency-Key", "m-1")
		ok(t, again)
		require.Equal(t, first.body["referenceId"], again.body["referenceId"])
		other := e.op("s1", "a1", `{"operationName":"SendMessage","text":"bye"}`, "Idempotency-Key", "m-1")
		require.Equal(t, http.StatusUnprocessableEntity, other.status, "%s", other.raw)
		require.Equal(t, []string{"SessionStarted", "AgentMessageSent"}, e.types("s1"))
	})
}

// The integration side's operations, and who may send them.
func TestIntegrationOperations(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		ok(t, e.integration("s1", "router", `{"operationName":"CustomerMessage","text":"Hello?"}`))
		ok(t, e.integration("s1", "router", `{"operationName":"CustomerMessage","text":"Anyone?","nickname":"Vitaliy"}`))
		ok(t, e.integration("s1", "router", `{"operationName":"CustomerLeft"}`))
		require.Equal(t, []string{"SessionStarted", "CustomerMessageReceived", "CustomerMessageReceived", "SessionEnded"}, e.types("s1"))
		s := e.session("s1")
		require.Equal(t, "Chatting", s["state"])
		require.Empty(t, s["participants"], "the customer left")

		// A rejected session goes back to routing, which offers it again.
		e.startIn("s2", "a1", "")
		ok(t, e.op("s2", "a1", `{"operationName":"Reject"}`))
		ok(t, e.integration("s2", "router", `{"operationName":"Route","agentId":"a2"}`))
		require.Equal(t, []string{"SessionStarted", "OfferRejected", "SessionRouted"}, e.types("s2"))
		require.Equal(t, []any{e.baseURL + "/api/v2/facebooksessions/s2"}, e.listed("a2"))
		require.Equal(t, "Invited", e.session("s2")["state"])

		e.start("s3", "a1")
		for _, tc := range []struct {
			name, as, session, body string
			status, code            int
			message                 string
		}{
			{"an agent", "a1", "s3", `{"operationName":"CustomerLeft"}`, 403, 3, "This operation needs the integration role"},
			{"a supervisor", "sup", "s3", `{"operationName":"CustomerLeft"}`, 403, 3, ""},
			{"no credentials", "", "s3", `{"operationName":"CustomerLeft"}`, 401, 20, "Access denied"},
			{"operationName missing", "router", "s3", `{"text":"hi"}`, 400, 1, "operationName is required"},
			{"text missing", "router", "s3", `{"operationName":"CustomerMessage"}`, 400, 1, "text is required"},
			{"agentId missing", "router", "s3", `{"operationName":"Route"}`, 400, 1, "agentId is required"},
			{"text wrong type", "router", "s3", `{"operationName":"CustomerMessage","text":1}`, 400, 10, ""},
			{"text too long", "router", "s3", `{"operationName":"CustomerMessage","text":"` + strings.Repeat("x", 4097) + `"}`, 400, 10, ""},
			{"nickname empty", "router", "s3", `{"operationName":"CustomerMessage","text":"x","nickname":""}`, 400, 10, ""},
			{"agentId bad", "router", "s2", `{"operationName":"Route","agentId":"a.>"}`, 400, 10, ""},
			{"an agent operation", "router", "s3", `{"operationName":"Complete"}`, 400, 10,
				`operationName "Complete" is not supported; supported: CustomerMessage, CustomerLeft, Route, Withdraw`},
			{"Route while Chatting", "router", "s3", `{"operationName":"Route","agentId":"a2"}`, 409, 2, "Route is not valid in the state Chatting"},
			{"Route to no agent", "router", "s2", `{"operationName":"Route","agentId":"sup"}`, 400, 10, "agentId names no enabled agent with the api-multimedia feature"},
			{"CustomerLeft twice", "router", "s1", `{"operationName":"CustomerLeft"}`, 409, 2, ""},
			{"unknown session", "router", "nope", `{"operationName":"CustomerLeft"}`, 404, 6, "Not found"},
			{"bad session id", "router", "a.b", `{"operationName":"CustomerLeft"}`, 400, 10, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := map[string]int{"s1": e.version("s1"), "s2": e.version("s2"), "s3": e.version("s3")}
				r := e.integration(tc.session, tc.as, tc.body)
				require.Equal(t, tc.status, r.status, "%s", r.raw)
				require.Equal(t, tc.code, r.code(), "%s", r.raw)
				if tc.message != "" {
					require.Equal(t, tc.message, r.body["statusMessage"])
				}
				for id, v := range before {
					require.Equal(t, v, e.version(id), "%s: nothing appended", id)
				}
			})
		}
	})
}
