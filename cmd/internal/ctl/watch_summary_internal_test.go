package ctl

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	as "github.com/fbsession/fbsession/domain/agentstate"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
)

// Each notification type prints as a summary, with the text clients wrote
// escaped.
func TestSummariseEveryNotificationType(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 9, 2, 0, 0, time.UTC)
	state := fb.State{ID: "s1", AgentID: "a1", Status: fb.StatusChatting, UserData: json.RawMessage(`{"keep":1,"x":"\u202e"}`),
		Participants: []fb.Participant{
			{Nickname: "Vitaliy\u202eOnv", Type: fb.ParticipantCustomer, ID: "c1", ParticipantID: "c1"},
			{Nickname: "Anna", Type: fb.ParticipantAgent, ID: "a1", ParticipantID: "a1"},
		}}
	resource := gws.ResourceOf(state, "http://x")
	body := func(v any) []byte {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return b
	}
	for _, tc := range []struct {
		name string
		body []byte
		want []string
	}{
		{"StatusChange of an intake", body(gws.StatusChange(0, resource)),
			[]string{`StatusChange s1: Chatting, 2 participants: "Vitaliy\u202eOnv" (Customer), "Anna" (Agent)`}},
		{"resync", body(resync(resource, false)),
			[]string{`StatusChange s1 (resync): Chatting, 2 participants: "Vitaliy\u202eOnv" (Customer), "Anna" (Agent)`}},
		{"resync of a session the log lost", body(resync(gws.ResourceOf(fb.State{ID: "s9", Status: fb.StatusCompleted}, "http://x"), true)),
			[]string{`StatusChange s9 (resync: lost in a failover): Completed, 0 participants`}},
		{"ParticipantsUpdated", body(gws.ParticipantsUpdated(3, resource)),
			[]string{`ParticipantsUpdated ref 3 s1: Chatting, 2 participants: "Vitaliy\u202eOnv" (Customer), "Anna" (Agent)`}},
		{"PropertiesUpdated", body(gws.PropertiesUpdated(8, resource)),
			[]string{`PropertiesUpdated ref 8 s1: Chatting, 2 participants: "Vitaliy\u202eOnv" (Customer), "Anna" (Agent); userData keys: keep, x`}},
		{"NewMessages", body(gws.NewMessages(4, resource.URI, []gws.Message{
			gws.MessageOf(fb.Said{Message: fb.Message{Index: 1, Nickname: "Vitaliy\u202eOnv", ParticipantID: "c1", Text: "Hello,\nmy order\x1b[2J", At: at}, FromType: fb.ParticipantCustomer}),
			gws.MessageOf(fb.Said{Message: fb.Message{Index: 2, Nickname: "Anna", ParticipantID: "a1", Text: `a \ b`, At: at}, FromType: fb.ParticipantAgent}),
		})), []string{
			`NewMessages ref 4 s1: 2 messages`,
			`  #1 Customer "Vitaliy\u202eOnv" 2026-11-24T09:02:00.000Z: "Hello,\u000amy order\u001b[2J"`,
			`  #2 Agent "Anna" 2026-11-24T09:02:00.000Z: "a \\ b"`,
		}},
		{"typing indicators", body(gws.NewMessages(5, resource.URI, []gws.Message{
			gws.Typing(gws.MessageTypingStarted, "Anna", "a1", at),
		})), []string{
			`NewMessages ref 5 s1: 0 messages, 1 typing indicators`,
			`  Agent "Anna" (a1) TypingStarted 2026-11-24T09:02:00.000Z`,
		}},
		{"not a notification", []byte(`{"state":"Completed"}`), nil},
		{"not JSON", []byte(`{`), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, summarise("gws.v2.users.a1.facebooksession.s1", "", tc.body))
		})
	}
}

// The change's event types, when the message names them, tell what a
// StatusChange was.
func TestSummaryNamesTheEvents(t *testing.T) {
	t.Parallel()
	body, err := json.Marshal(gws.StatusChange(5, gws.ResourceOf(fb.State{ID: "s1", Status: fb.StatusCompleted}, "http://x")))
	require.NoError(t, err)
	require.Equal(t, []string{`StatusChange ref 5 s1 (TransferredToAgent): Completed, 0 participants`},
		summarise("gws.v2.users.a1.facebooksession.s1", "TransferredToAgent", body))
}

func TestRecipient(t *testing.T) {
	t.Parallel()
	require.Equal(t, "user a1", recipient("gws.v2", "gws.v2.users.a1.facebooksession.s1", "a1"))
	require.Equal(t, "integration", recipient("gws.v2", "gws.v2.integration.facebooksession.s1", ""))
	require.Equal(t, "integration a2", recipient("gws.v2", "gws.v2.integration.facebooksession.s1", "a2"))
	require.Equal(t, "other.x", recipient("gws.v2", "other.x", ""))
}

// A ChannelStateChangeMessageV2 prints as the agent, the change's events
// and each channel's new state, its reason escaped.
func TestSummariseChannelStateChange(t *testing.T) {
	t.Parallel()
	body, err := json.Marshal(gws.ChannelStateChangeOf(4, as.ChannelNotReady{Channel: "facebooksession", ReasonCode: "Lunch\u202e"}))
	require.NoError(t, err)
	require.Equal(t, []string{`ChannelStateChangeMessageV2 ref 4 a1 (ChannelNotReady): facebooksession NotReady (Lunch\u202e)`},
		summarise("gws.v2.users.a1.channels", "ChannelNotReady", body))
}

// resync is a corrective StatusChange after a failover.
func resync(r gws.Resource, lost bool) gws.Notification {
	n := gws.StatusChange(0, r)
	n.Resync, n.Lost = true, lost
	return n
}
