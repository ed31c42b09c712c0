package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// The transcript: every message with its index, for the agent,
// supervisors and the integration side, a page at a time.
func TestTranscript(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		e.start("s1", "a1")
		empty := e.do(http.MethodGet, "/api/v2/facebooksessions/s1/messages", "a1", nil)
		require.Equal(t, http.StatusOK, empty.status, "%s", empty.raw)
		require.Equal(t, []any{}, empty.body["messages"])

		ok(t, e.integration("s1", "router", `{"operationName":"CustomerMessage","text":"Hello?"}`))
		ok(t, e.op("s1", "a1", `{"operationName":"SendStartTypingNotification"}`))
		ok(t, e.op("s1", "a1", `{"operationName":"SendMessage","text":"Hi! How can I help?"}`))
		for i := range 3 {
			ok(t, e.integration("s1", "router", fmt.Sprintf(`{"operationName":"CustomerMessage","text":"more %d","nickname":"V"}`, i)))
		}

		r := e.do(http.MethodGet, "/api/v2/facebooksessions/s1/messages", "a1", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Len(t, r.body, 2, "no nextAfter on the last page: %s", r.raw)
		messages := r.body["messages"].([]any)
		require.Len(t, messages, 5, "typing indicators are no messages")
		first := messages[0].(map[string]any)
		require.Equal(t, float64(1), first["index"])
		require.Equal(t, "Hello?", first["text"])
		require.Equal(t, map[string]any{"nickname": "VitaliyOnv", "type": "Customer", "participantId": "007355E6EDFA0107"}, first["from"])
		require.Equal(t, "Text", first["type"])
		require.Equal(t, "All", first["visibility"])
		require.NotEmpty(t, first["timestamp"])
		require.Positive(t, first["timestampSeconds"])
		second := messages[1].(map[string]any)
		require.Equal(t, float64(2), second["index"])
		require.Equal(t, "Agent", second["from"].(map[string]any)["type"])
		require.Equal(t, "a1", second["from"].(map[string]any)["participantId"])
		for i, m := range messages {
			require.Equal(t, float64(i+1), m.(map[string]any)["index"])
		}

		// Pages.
		page := e.do(http.MethodGet, "/api/v2/facebooksessions/s1/messages?limit=2", "a1", nil)
		require.Len(t, page.body["messages"], 2)
		require.Equal(t, float64(2), page.body["nextAfter"])
		page = e.do(http.MethodGet, "/api/v2/facebooksessions/s1/messages?limit=2&after=2", "a1", nil)
		require.Equal(t, float64(3), page.body["messages"].([]any)[0].(map[string]any)["index"])
		require.Equal(t, float64(4), page.body["nextAfter"])
		page = e.do(http.MethodGet, "/api/v2/facebooksessions/s1/messages?limit=2&after=4", "a1", nil)
		require.Len(t, page.body["messages"], 1)
		require.NotContains(t, page.body, "nextAfter")
		page = e.do(http.MethodGet, "/api/v2/facebooksessions/s1/messages?after=9", "a1", nil)
		require.Equal(t, http.StatusOK, page.status)
		require.Equal(t, []any{}, page.body["messages"])
		for _, q := range []string{"limit=0", "limit=1001", "limit=x", "after=-1", "after=x", "after=10001"} {
			r := e.do(http.MethodGet, "/api/v2/facebooksessions/s1/messages?"+q, "a1", nil)
			require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", q, r.raw)
			require.Equal(t, 10, r.code())
		}

		// Who reads it.
		for _, tc := range []struct {
			as           string
			status, code int
		}{
			{"a1", 200, 0}, {"sup", 200, 0}, {"router", 200, 0},
			{"a2", 404, 6}, {"nofeat", 403, 5}, {"", 401, 20}, {"gone", 401, 20},
		} {
			r := e.do(http.MethodGet, "/api/v2/facebooksessions/s1/messages", tc.as, nil)
			require.Equal(t, tc.status, r.status, "%q: %s", tc.as, r.raw)
			require.Equal(t, tc.code, r.code(), tc.as)
			if tc.status == 200 {
				require.Len(t, r.body["messages"], 5)
			}
		}
		for _, path := range []string{"/api/v2/facebooksessions/nope/messages", "/api/v2/facebooksessions/nope/messages?after=3"} {
			r := e.do(http.MethodGet, path, "sup", nil)
			require.Equal(t, http.StatusNotFound, r.status, "%s", r.raw)
		}
		r = e.do(http.MethodGet, "/api/v2/facebooksessions/a.b/messages", "sup", nil)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Equal(t, 10, r.code())
	})
}

// A Messenger session's transcript marks the agents' messages the
// customer's receipts cover: read, or delivered.
func TestTranscriptShowsTheCustomersReceipts(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		h := commands.NewHandler(e.store)
		r := commands.Request{Actor: "router"}
		_, err := h.Start(ctx, r, fb.Start{SessionID: "m1", AgentID: "a1", Status: fb.StatusChatting, Channel: fb.ChannelMessenger})
		require.NoError(t, err)
		// The service stamps each message when it takes it: the read
		// watermark falls between the two, the delivered one after both.
		var marks []time.Time
		for _, text := range []string{"first", "second"} {
			_, err := h.Operate(ctx, commands.Request{Actor: "a1"}, "m1", fb.SendMessage{By: "a1", Text: text})
			require.NoError(t, err)
			time.Sleep(5 * time.Millisecond)
			marks = append(marks, time.Now().UTC())
		}
		_, err = h.Operate(ctx, r, "m1", fb.CustomerReceipt{Delivered: true, Watermark: marks[1]})
		require.NoError(t, err)
		_, err = h.Operate(ctx, r, "m1", fb.CustomerReceipt{Watermark: marks[0]})
		require.NoError(t, err)

		got := e.do(http.MethodGet, "/api/v2/facebooksessions/m1/messages", "a1", nil)
		require.Equal(t, http.StatusOK, got.status, "%s", got.raw)
		messages := got.body["messages"].([]any)
		require.Len(t, messages, 2)
		require.Equal(t, "Read", messages[0].(map[string]any)["customerReceipt"])
		require.Equal(t, "Delivered", messages[1].(map[string]any)["customerReceipt"])
	})
}
