package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

func TestComplete(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		r := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Equal(t, 0, r.code())
		ref := r.body["referenceId"].(float64)
		require.Positive(t, ref)
		require.Equal(t, []string{"SessionStarted", "SessionEnded", "InteractionCompleted"}, e.types("s1"))

		// Read-your-writes: the GET right after shows the change.
		g := e.do(http.MethodGet, "/api/v2/me/facebooksessions/s1", "a1", nil)
		require.Equal(t, http.StatusOK, g.status)
		s := g.body["facebooksession"].(map[string]any)
		require.Equal(t, "Completed", s["state"])
		require.Equal(t, []any{}, s["capabilities"])
		require.Equal(t, e.baseURL+"/api/v2/facebooksessions/s1", s["uri"])
		list := e.do(http.MethodGet, "/api/v2/me/facebooksessions", "a1", nil)
		require.Equal(t, []any{}, list.body["uris"], "a Completed session is not listed")

		// A second Complete is not valid any more, and appends nothing.
		again := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`)
		require.Equal(t, http.StatusConflict, again.status)
		require.Equal(t, 2, again.code())
		require.Equal(t, "Complete is not valid in the state Completed", again.body["statusMessage"])
		require.Len(t, e.types("s1"), 3)

		// The next Complete gets a new referenceId.
		e.start("s2", "a1")
		r2 := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s2", "a1", `{"operationName":"Complete"}`)
		require.Greater(t, r2.body["referenceId"].(float64), ref)
	})
}

func TestCompleteWithQueueAndLegacyPath(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		r := e.do(http.MethodPost, "/api/v2/me/facebooksession/s1", "a1", `{"operationName":"Complete","queueName":"PostProcessingQueue"}`)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Equal(t, []string{"SessionStarted", "SessionEnded", "QueuedTo"}, e.types("s1"))
		g := e.do(http.MethodGet, "/api/v2/me/facebooksession/s1", "a1", nil)
		require.Equal(t, "Completed", g.body["facebooksession"].(map[string]any)["state"])

		// Dots and NATS wildcards in a queue name are a name like any other.
		e.start("s3", "a1")
		r = e.do(http.MethodPost, "/api/v2/me/facebooksessions/s3", "a1", `{"operationName":"Complete","queueName":"Social.Media.>"}`)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Equal(t, []string{"SessionStarted", "SessionEnded", "QueuedTo"}, e.types("s3"))

		// SQL in a queue name is a name like any other, stored as given.
		e.start("s2", "a1")
		r = e.do(http.MethodPost, "/api/v2/me/facebooksessions/s2", "a1", `{"operationName":"Complete","queueName":"x'); DROP TABLE events;--"}`)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		events, err := e.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID("s2")})
		require.NoError(t, err)
		require.Contains(t, string(events[2].Data), `x'); DROP TABLE events;--`)
		require.Len(t, e.types("s1"), 3, "the events table is intact")
	})
}

// Every row of the failure table of docs/API.md: status, statusCode, the exact
// envelope, and nothing appended.
func TestFailureTable(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		e.start("other", "a2")
		complete := `{"operationName":"Complete"}`
		for _, tc := range []struct {
			name    string
			as      string
			path    string
			body    string
			headers []string
			status  int
			code    int
			message string
		}{
			{name: "no credentials", path: "s1", body: complete, status: 401, code: 20, message: "Access denied"},
			{name: "wrong password", as: "wrong", path: "s1", body: complete, status: 401, code: 20},
			{name: "disabled user", as: "gone", path: "s1", body: complete, status: 401, code: 20},
			{name: "no api-multimedia", as: "nofeat", path: "s1", body: complete, status: 403, code: 5},
			{name: "unknown session", as: "a1", path: "nope", body: complete, status: 404, code: 6},
			{name: "another agent's session", as: "a1", path: "other", body: complete, status: 404, code: 6},
			{name: "body not JSON", as: "a1", path: "s1", body: `operationName=Complete`, status: 400, code: 10},
			{name: "body not an object", as: "a1", path: "s1", body: `["Complete"]`, status: 400, code: 10},
			{name: "body null", as: "a1", path: "s1", body: `null`, status: 400, code: 10},
			{name: "empty body", as: "a1", path: "s1", body: ``, status: 400, code: 10},
			{name: "trailing data", as: "a1", path: "s1", body: complete + `{}`, status: 400, code: 10},
			{name: "invalid UTF-8", as: "a1", path: "s1", body: "{\"operationName\":\"Complete\",\"queueName\":\"q\xff\"}", status: 400, code: 10},
			{name: "operationName not a string", as: "a1", path: "s1", body: `{"operationName":1}`, status: 400, code: 10},
			{name: "queueName not a string", as: "a1", path: "s1", body: `{"operationName":"Complete","queueName":["q"]}`, status: 400, code: 10},
			{name: "body over 64 KiB", as: "a1", path: "s1", body: `{"operationName":"Complete","pad":"` + strings.Repeat("x", 65<<10) + `"}`, status: 413, code: 10},
			{name: "operationName missing", as: "a1", path: "s1", body: `{"queueName":"q"}`, status: 400, code: 1, message: "operationName is required"},
			{name: "operationName unsupported", as: "a1", path: "s1", body: `{"operationName":"Dance"}`, status: 400, code: 10, message: `operationName "Dance" is not supported; supported: Accept, Reject, Transfer, Complete, Leave, InFocus, SendMessage, SendStartTypingNotification, SendStopTypingNotification, UpdateUserData, DeleteUserData`},
			{name: "queueName empty", as: "a1", path: "s1", body: `{"operationName":"Complete","queueName":""}`, status: 400, code: 10},
			{name: "queueName too long", as: "a1", path: "s1", body: `{"operationName":"Complete","queueName":"` + strings.Repeat("q", 256) + `"}`, status: 400, code: 10},
			{name: "queueName with control character", as: "a1", path: "s1", body: `{"operationName":"Complete","queueName":"a\u0007b"}`, status: 400, code: 10},
			{name: "deeply nested JSON", as: "a1", path: "s1", body: `{"operationName":"Complete","x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, status: 400, code: 10},
			{name: "queueName with a bidi override", as: "a1", path: "s1", body: `{"operationName":"Complete","queueName":"a\u202eb"}`, status: 400, code: 10},
			{name: "id with NATS wildcard", as: "a1", path: "a.%3E", body: complete, status: 400, code: 10},
			{name: "id too long", as: "a1", path: strings.Repeat("x", 65), body: complete, status: 400, code: 10},
			{name: "bad Idempotency-Key", as: "a1", path: "s1", body: complete, headers: []string{"Idempotency-Key", strings.Repeat("k", 256)}, status: 400, code: 10},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(http.MethodPost, "/api/v2/me/facebooksessions/"+tc.path, tc.as, tc.body, tc.headers...)
				require.Equal(t, tc.status, r.status, "%s", r.raw)
				require.Equal(t, tc.code, r.code())
				require.Len(t, r.body, 2, "the failure envelope is exactly statusCode and statusMessage: %s", r.raw)
				require.NotEmpty(t, r.body["statusMessage"])
				if tc.message != "" {
					require.Equal(t, tc.message, r.body["statusMessage"])
				}
				if tc.status == 401 {
					require.Contains(t, r.header.Get("WWW-Authenticate"), "Basic")
				}
				require.Len(t, e.types("s1"), 1, "nothing appended")
				require.Len(t, e.types("other"), 1, "nothing appended")
			})
		}
	})
}

func TestCompleteCompletedSession(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		require.Equal(t, 200, e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`).status)
		r := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete","queueName":"Q"}`)
		require.Equal(t, 409, r.status)
		require.Equal(t, 2, r.code())
		require.Len(t, e.types("s1"), 3)
	})
}

func TestConcurrentCompletes(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		const n = 50
		statuses := make(chan [2]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`)
				statuses <- [2]int{r.status, r.code()}
			}()
		}
		close(start)
		wg.Wait()
		close(statuses)
		count := map[[2]int]int{}
		for s := range statuses {
			count[s]++
		}
		require.Equal(t, map[[2]int]int{{200, 0}: 1, {409, 2}: n - 1}, count)
		require.Equal(t, []string{"SessionStarted", "SessionEnded", "InteractionCompleted"}, e.types("s1"))
	})
}

// Many clients on the same and on different sessions: one success per
// session, the rest 409/2, never a 500, and nothing lost.
func TestMixedConcurrency(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		const sessions, perSession = 10, 6
		for i := 0; i < sessions; i++ {
			e.start(fmt.Sprintf("c%d", i), "a1")
		}
		type outcome struct{ session, status, code int }
		out := make(chan outcome, sessions*perSession)
		var wg sync.WaitGroup
		for i := 0; i < sessions; i++ {
			for j := 0; j < perSession; j++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body := `{"operationName":"Complete"}`
					if j%2 == 1 {
						body = `{"operationName":"Complete","queueName":"Q"}`
					}
					r := e.do(http.MethodPost, fmt.Sprintf("/api/v2/me/facebooksessions/c%d", i), "a1", body)
					out <- outcome{i, r.status, r.code()}
				}()
			}
		}
		wg.Wait()
		close(out)
		wins := map[int]int{}
		for o := range out {
			switch {
			case o.status == 200:
				wins[o.session]++
			case o.status == 409 && o.code == 2:
			default:
				t.Fatalf("session c%d: HTTP %d statusCode %d", o.session, o.status, o.code)
			}
		}
		for i := 0; i < sessions; i++ {
			require.Equal(t, 1, wins[i], "c%d", i)
			require.Len(t, e.types(fmt.Sprintf("c%d", i)), 3)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		first := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`, "Idempotency-Key", "k-1")
		require.Equal(t, 200, first.status)
		retry := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`, "Idempotency-Key", "k-1")
		require.Equal(t, 200, retry.status, "%s", retry.raw)
		require.Equal(t, first.body["referenceId"], retry.body["referenceId"])
		require.Len(t, e.types("s1"), 3, "the retry appended nothing")

		other := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`, "Idempotency-Key", "k-2")
		require.Equal(t, 409, other.status, "another key is another request")
		none := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`)
		require.Equal(t, 409, none.status)
	})
}
