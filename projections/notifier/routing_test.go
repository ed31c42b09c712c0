package notifier_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections/notifier"
)

// sent is one message as a subscriber sees it: the subject's last tokens,
// the agent it concerns, its type and the session's state in it.
type sent struct {
	subject, agent, typ, state string
}

func sentOf(t *testing.T, msgs []*nats.Msg) []sent {
	t.Helper()
	out := make([]sent, len(msgs))
	for i, m := range msgs {
		var body struct {
			NotificationType string `json:"notificationType"`
			Facebooksession  struct {
				State string `json:"state"`
			} `json:"facebooksession"`
		}
		require.NoError(t, json.Unmarshal(m.Data, &body))
		out[i] = sent{subject: m.Subject, agent: m.Header.Get("Fbsession-Agent"), typ: body.NotificationType, state: body.Facebooksession.State}
	}
	return out
}

// TestRoutingSideNotifications: the changes that take a session from its
// agent (Reject, Leave, Transfer to a queue) tell that agent Completed;
// Route offers it to the next; while it waits for routing, the customer's
// messages and leaving reach the integration side only. A notifier that
// follows the session reads its stream only for the transcript an Accept
// shows.
func TestRoutingSideNotifications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newSQLiteStore(t)
	h := commands.NewHandler(store)
	counting := &countingStore{Driver: store}
	n, err := notifier.New(notifier.Config{Store: counting, Prefix: "gws.v2"})
	require.NoError(t, err)
	const id = "r1"
	user := func(agent string) string { return "gws.v2.users." + agent + ".facebooksession." + id }
	const integration = "gws.v2.integration.facebooksession." + id

	// step runs a command and returns the notifications of its change.
	step := func(actor string, cmd fb.Command) []sent {
		t.Helper()
		head, err := store.Head(ctx)
		require.NoError(t, err)
		if start, ok := cmd.(fb.Start); ok {
			_, err = h.Start(ctx, commands.Request{Actor: actor}, start)
		} else {
			_, err = h.Operate(ctx, commands.Request{Actor: actor}, id, cmd)
		}
		require.NoError(t, err)
		feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{After: eventstore.Cursor{Position: head}})
		require.NoError(t, err)
		var page []eventstore.RecordedEvent
		for _, e := range feed {
			if e.Position > head {
				page = append(page, e)
			}
		}
		msgs, err := n.Messages(ctx, page)
		require.NoError(t, err)
		return sentOf(t, msgs)
	}
	queue := "Sales.EMEA"

	require.Equal(t, []sent{
		{user("a1"), "a1", "StatusChange", "Invited"},
		{integration, "a1", "StatusChange", "Invited"},
	}, step("router", fb.Start{SessionID: id, AgentID: "a1", Participants: []fb.Participant{customer}}))
	require.Equal(t, []sent{
		{user("a1"), "a1", "StatusChange", "Completed"},
		{integration, "a1", "StatusChange", "Completed"},
	}, step("a1", fb.Reject{By: "a1"}), "the offer rejected")
	require.Equal(t, []sent{
		{integration, "", "NewMessages", ""},
	}, step("router", fb.CustomerMessage{Text: "anyone?"}), "waiting for routing: no agent")
	require.Equal(t, []sent{
		{user("a3"), "a3", "StatusChange", "Invited"},
		{integration, "a3", "StatusChange", "Invited"},
	}, step("router", fb.Route{AgentID: "a3"}), "offered again: nothing to the agent who rejected it")
	require.Equal(t, []sent{
		{user("a3"), "a3", "NewMessages", ""},
		{integration, "a3", "NewMessages", ""},
	}, step("router", fb.CustomerMessage{Text: "hello?"}), "the agent offered the session sees what the customer writes")
	require.Zero(t, counting.reads.Load(), "a followed session needs no read")
	require.Equal(t, []sent{
		{user("a3"), "a3", "StatusChange", "Chatting"},
		{user("a3"), "a3", "ParticipantsUpdated", "Chatting"},
		{user("a3"), "a3", "NewMessages", ""},
		{integration, "a3", "StatusChange", "Chatting"},
		{integration, "a3", "ParticipantsUpdated", "Chatting"},
		{integration, "a3", "NewMessages", ""},
	}, step("a3", fb.Accept{By: "a3", Nickname: "Carla"}))
	require.Equal(t, int64(1), counting.reads.Load(), "the transcript so far is read")
	require.Empty(t, step("a3", fb.InFocus{By: "a3"}), "InFocus tells nobody")
	require.Equal(t, []sent{
		{user("a3"), "a3", "StatusChange", "Completed"},
		{integration, "a3", "StatusChange", "Completed"},
	}, step("a3", fb.Leave{By: "a3"}), "left")
	require.Equal(t, []sent{
		{user("a4"), "a4", "StatusChange", "Invited"},
		{integration, "a4", "StatusChange", "Invited"},
	}, step("router", fb.Route{AgentID: "a4"}))
	step("a4", fb.Accept{By: "a4", Nickname: "Dan"})
	require.Equal(t, []sent{
		{integration, "a4", "NewMessages", ""},
	}, step("a4", fb.StartTyping{By: "a4"}), "typing reaches the integration side only")
	require.Equal(t, []sent{
		{user("a4"), "a4", "StatusChange", "Completed"},
		{integration, "a4", "StatusChange", "Completed"},
	}, step("a4", fb.Transfer{By: "a4", QueueName: &queue}), "transferred to a queue")
	require.Equal(t, []sent{
		{integration, "", "ParticipantsUpdated", "Completed"},
	}, step("router", fb.CustomerLeft{}), "the customer left a session waiting for routing")
	require.Equal(t, []sent{
		{user("a5"), "a5", "StatusChange", "Invited"},
		{integration, "a5", "StatusChange", "Invited"},
	}, step("router", fb.Route{AgentID: "a5"}))
	require.Equal(t, int64(2), counting.reads.Load(), "and again for the second Accept only")

	// Accepted with a transcript, completed into a queue: routable again.
	step("a5", fb.Accept{By: "a5", Nickname: "Eve"})
	require.Equal(t, []sent{
		{user("a5"), "a5", "StatusChange", "Completed"},
		{integration, "a5", "StatusChange", "Completed"},
	}, step("a5", fb.Complete{By: "a5", QueueName: &queue}))
	require.Equal(t, []sent{
		{user("a6"), "a6", "StatusChange", "Invited"},
		{integration, "a6", "StatusChange", "Invited"},
	}, step("router", fb.Route{AgentID: "a6"}), "routed from the post-processing queue")

	// An Accept shows the transcript's last messages only, within the
	// catch-up's bounds, and where to read the rest.
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	for _, tc := range []struct {
		cfg     notifier.Config
		texts   []string
		pointed bool
	}{
		{notifier.Config{Store: store, Prefix: "gws.v2"}, []string{"anyone?", "hello?"}, false},
		{notifier.Config{Store: store, Prefix: "gws.v2", CatchUpMessages: 1}, []string{"hello?"}, true},
		{notifier.Config{Store: store, Prefix: "gws.v2", CatchUpBytes: 1}, []string{"hello?"}, true},
	} {
		n, err := notifier.New(tc.cfg)
		require.NoError(t, err)
		msgs, err := n.Messages(ctx, feed)
		require.NoError(t, err)
		var texts []string
		pointed := false
		for _, m := range msgs {
			if m.Subject != user("a3") || m.Header.Get("Fbsession-Events") != fb.TypeOfferAccepted {
				continue
			}
			var body struct {
				Messages []struct {
					Index int    `json:"index"`
					Text  string `json:"text"`
				} `json:"messages"`
				TranscriptURI string `json:"transcriptUri"`
			}
			require.NoError(t, json.Unmarshal(m.Data, &body))
			for _, msg := range body.Messages {
				texts = append(texts, msg.Text)
			}
			if body.TranscriptURI != "" {
				require.Equal(t, "/api/v2/facebooksessions/r1/messages", body.TranscriptURI)
				pointed = true
			}
		}
		require.Equal(t, tc.texts, texts)
		require.Equal(t, tc.pointed, pointed)
	}
}
