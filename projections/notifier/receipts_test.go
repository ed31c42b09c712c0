package notifier_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/projections/natstest"
)

// The Messenger relay's outcomes reach the agent's desktop: a message
// Messenger would not take as a Notice naming it, and the customer's
// receipts as NewMessages of type Delivered and Read; a message relayed
// as it should be tells the desktop nothing.
func TestMessengerOutcomesAndReceiptsAreNotified(t *testing.T) {
	t.Parallel()
	for name, url := range natstest.Servers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, newSQLiteStore(t), url)
			msgs := f.subscribe(f.prefix + ".users.a1.facebooksession.>")
			f.run(f.store, f.notifier(f.js, 0))
			relay := commands.Request{Actor: "relay"}
			_, err := f.cmds.Start(ctx, relay, fb.Start{SessionID: "m1", AgentID: "a1", Status: fb.StatusChatting, Channel: fb.ChannelMessenger,
				Participants: []fb.Participant{{Nickname: "Vitaliy", Type: fb.ParticipantCustomer, ID: "psid", Visibility: "All", ParticipantID: "psid"}}})
			require.NoError(t, err)
			receive(t, msgs) // the intake's StatusChange
			for _, text := range []string{"one", "two"} {
				_, err = f.cmds.Operate(ctx, commands.Request{Actor: "a1"}, "m1", fb.SendMessage{By: "a1", Text: text})
				require.NoError(t, err)
				receive(t, msgs)
			}

			_, err = f.cmds.Operate(ctx, relay, "m1", fb.RelayOutcome{Index: 1, MessageID: "m_1", MessagingType: "RESPONSE"})
			require.NoError(t, err)
			_, err = f.cmds.Operate(ctx, relay, "m1", fb.RelayOutcome{Index: 2, Code: 551, Reason: "This person isn't available right now."})
			require.NoError(t, err)
			notice := messagesIn(t, receive(t, msgs))
			require.Len(t, notice, 1, "the relayed message told nothing; the undeliverable one a notice")
			require.Equal(t, "Notice", notice[0]["type"])
			require.Equal(t, float64(2), notice[0]["index"])
			require.Contains(t, notice[0]["text"], "551")

			watermark := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
			for _, delivered := range []bool{true, false} {
				_, err = f.cmds.Operate(ctx, relay, "m1", fb.CustomerReceipt{Delivered: delivered, Watermark: watermark})
				require.NoError(t, err)
				got := messagesIn(t, receive(t, msgs))
				require.Len(t, got, 1)
				want := map[bool]string{true: "Delivered", false: "Read"}[delivered]
				require.Equal(t, want, got[0]["type"])
				require.Equal(t, "2026-12-06T12:00:00.000Z", got[0]["timestamp"])
				require.Equal(t, "Vitaliy", got[0]["from"].(map[string]any)["nickname"])
			}
			requireNothingMore(t, msgs)
		})
	}
}

// messagesIn is a NewMessages notification's messages.
func messagesIn(t *testing.T, m *nats.Msg) []map[string]any {
	t.Helper()
	var body struct {
		MessageType string           `json:"messageType"`
		Messages    []map[string]any `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(m.Data, &body))
	require.Equal(t, "MessageLogUpdated", body.MessageType, "GWS's NewMessages notification")
	return body.Messages
}
