package notifier_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
	"github.com/fbsession/fbsession/sessionlog"
)

var customer = fb.Participant{Nickname: "VitaliyOnv", Type: fb.ParticipantCustomer, ID: "007355E6EDFA0107", Visibility: fb.VisibilityAll, ParticipantID: "007355E6EDFA0107"}

// expected is one notification a subscriber should get.
type expected struct {
	agent string // Fbsession-Agent: whom it concerns
	typ   string // notificationType
	ref   int64  // referenceId; 0: absent
	state fb.Status
	check func(t *testing.T, body map[string]any)
}

// TestSessionLifeNotifications drives a whole session through the
// commands, with the notifier running live, and checks exactly what each
// agent and the integration side receive, in order; then that the stream
// holds it all once, that publishing the log again stores nothing, and
// that a replay builds the same messages.
func TestSessionLifeNotifications(t *testing.T) {
	t.Parallel()
	for name, url := range natstest.Servers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
				testSessionLife(t, b.Store, url)
			})
		})
	}
}

func testSessionLife(t *testing.T, store eventstore.Driver, url string) {
	ctx := context.Background()
	f := newFixture(t, store, url)
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	h := commands.NewHandler(store, commands.WithClock(func() time.Time { return at }))
	a1 := f.subscribe(f.prefix + ".users.a1.facebooksession.>")
	a2 := f.subscribe(f.prefix + ".users.a2.facebooksession.>")
	integration := f.subscribe(f.prefix + ".integration.facebooksession.>")
	f.run(store, f.notifier(f.js, 0))

	const id = "life1"
	_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{
		SessionID: id, AgentID: "a1", UserData: json.RawMessage(`{"FirstName":"Vitaliy"}`),
		Participants: []fb.Participant{customer},
	})
	require.NoError(t, err)
	op := func(actor string, cmd fb.Command) int64 {
		t.Helper()
		res, err := h.Operate(ctx, commands.Request{Actor: actor}, id, cmd)
		require.NoError(t, err)
		require.Positive(t, res.ReferenceID)
		return res.ReferenceID
	}
	accept1 := op("a1", fb.Accept{By: "a1", Nickname: "Anna"})
	hello := op("router", fb.CustomerMessage{Text: "Hello"})
	reply := op("a1", fb.SendMessage{By: "a1", Text: "Hi, how can I help?"})
	typing := op("a1", fb.StartTyping{By: "a1"})
	stopped := op("a1", fb.StopTyping{By: "a1"})
	op("a1", fb.InFocus{By: "a1"})
	transfer := op("a1", fb.Transfer{By: "a1", TargetAgent: "a2"})
	accept2 := op("a2", fb.Accept{By: "a2", Nickname: "Boris"})
	update := op("a2", fb.UpdateUserData{By: "a2", UserData: json.RawMessage(`{"Order":"12345"}`)})
	left := op("router", fb.CustomerLeft{})
	complete := op("a2", fb.Complete{By: "a2"})

	anna := map[string]any{"nickname": "Anna", "type": "Agent", "id": "a1", "visibility": "All", "participantId": "a1"}
	boris := map[string]any{"nickname": "Boris", "type": "Agent", "id": "a2", "visibility": "All", "participantId": "a2"}
	vitaliy := map[string]any{"nickname": "VitaliyOnv", "type": "Customer", "id": "007355E6EDFA0107", "visibility": "All", "participantId": "007355E6EDFA0107"}
	participants := func(want ...any) func(*testing.T, map[string]any) {
		return func(t *testing.T, body map[string]any) {
			require.Equal(t, want, resourceOf(body)["participants"])
		}
	}
	capabilities := func(want ...string) func(*testing.T, map[string]any) {
		return func(t *testing.T, body map[string]any) {
			got := []string{}
			for _, c := range resourceOf(body)["capabilities"].([]any) {
				got = append(got, c.(string))
			}
			require.Equal(t, append([]string{}, want...), got)
		}
	}
	stamp := map[string]any{"timestamp": "2026-11-24T12:00:00.000Z", "timestampSeconds": float64(at.Unix())}
	helloMsg := with(stamp, map[string]any{"index": float64(1), "text": "Hello", "visibility": "All", "type": "Text",
		"from": map[string]any{"nickname": "VitaliyOnv", "type": "Customer", "participantId": "007355E6EDFA0107"}})
	replyMsg := with(stamp, map[string]any{"index": float64(2), "text": "Hi, how can I help?", "visibility": "All", "type": "Text",
		"from": map[string]any{"nickname": "Anna", "type": "Agent", "participantId": "a1"}})
	messages := func(want ...map[string]any) func(*testing.T, map[string]any) {
		return func(t *testing.T, body map[string]any) {
			require.Equal(t, "MessageLogUpdated", body["messageType"])
			require.Equal(t, "http://gws.test/api/v2/facebooksessions/"+id, body["facebooksessionUri"])
			got := body["messages"].([]any)
			require.Len(t, got, len(want))
			for i := range want {
				require.Equal(t, any(want[i]), got[i])
			}
		}
	}
	typingOf := func(kind string) func(*testing.T, map[string]any) {
		return func(t *testing.T, body map[string]any) {
			got := body["messages"].([]any)
			require.Len(t, got, 1)
			m := got[0].(map[string]any)
			require.Equal(t, kind, m["type"])
			require.Equal(t, map[string]any{"nickname": "Anna", "type": "Agent", "participantId": "a1"}, m["from"])
			require.NotContains(t, m, "index", "a typing indicator is no message of the transcript")
			require.NotContains(t, m, "text")
		}
	}

	wantA1 := []expected{
		{"a1", "StatusChange", 0, fb.StatusInvited, capabilities("Accept", "Reject")},
		{"a1", "StatusChange", accept1, fb.StatusChatting, capabilities(fb.StatusChatting.Capabilities()...)},
		{"a1", "ParticipantsUpdated", accept1, fb.StatusChatting, participants(vitaliy, anna)},
		{"a1", "NewMessages", hello, "", messages(helloMsg)},
		{"a1", "NewMessages", reply, "", messages(replyMsg)},
		// The old agent's: Completed, no capabilities, gone from the
		// participants.
		{"a1", "StatusChange", transfer, fb.StatusCompleted, func(t *testing.T, body map[string]any) {
			capabilities()(t, body)
			participants(vitaliy)(t, body)
		}},
	}
	wantA2 := []expected{
		{"a2", "StatusChange", transfer, fb.StatusInvited, capabilities("Accept", "Reject")},
		{"a2", "StatusChange", accept2, fb.StatusChatting, nil},
		{"a2", "ParticipantsUpdated", accept2, fb.StatusChatting, participants(vitaliy, boris)},
		{"a2", "NewMessages", accept2, "", messages(helloMsg, replyMsg)},
		{"a2", "PropertiesUpdated", update, fb.StatusChatting, func(t *testing.T, body map[string]any) {
			require.Equal(t, map[string]any{"FirstName": "Vitaliy", "Order": "12345"}, resourceOf(body)["userData"])
		}},
		{"a2", "ParticipantsUpdated", left, fb.StatusChatting, participants(boris)},
		{"a2", "StatusChange", complete, fb.StatusCompleted, capabilities()},
	}
	wantIntegration := append(append(append([]expected{}, wantA1[:5]...),
		expected{"a1", "NewMessages", typing, "", typingOf(gws.MessageTypingStarted)},
		expected{"a1", "NewMessages", stopped, "", typingOf(gws.MessageTypingStopped)},
		wantA1[5]),
		wantA2...)

	gotA1 := receiveExpected(t, a1, f.prefix+".users.a1.facebooksession."+id, wantA1)
	gotA2 := receiveExpected(t, a2, f.prefix+".users.a2.facebooksession."+id, wantA2)
	gotIntegration := receiveExpected(t, integration, f.prefix+".integration.facebooksession."+id, wantIntegration)
	requireNothingMore(t, a1)
	requireNothingMore(t, a2)
	requireNothingMore(t, integration)

	// The integration side's copies are the agents' bodies, byte for byte.
	agents := append(append(append([]*nats.Msg{}, gotA1[:5]...), gotA1[5]), gotA2...)
	copies := append(append([]*nats.Msg{}, gotIntegration[:5]...), gotIntegration[7:]...)
	require.Len(t, copies, len(agents))
	for i := range agents {
		require.Equal(t, string(agents[i].Data), string(copies[i].Data))
		require.Equal(t, agents[i].Header.Get("Fbsession-Position"), copies[i].Header.Get("Fbsession-Position"))
	}
	// The transfer: one change, four messages, in this order.
	transferStream := sessionlog.StreamID(id) + ":8"
	require.Equal(t, transferStream, unchanged(gotA1[5].Header.Get(jetstream.MsgIDHeader)))
	require.Equal(t, transferStream+":1:users", unchanged(gotA2[0].Header.Get(jetstream.MsgIDHeader)))
	require.Equal(t, transferStream+":2:integration", unchanged(gotIntegration[7].Header.Get(jetstream.MsgIDHeader)))
	require.Equal(t, transferStream+":3:integration", unchanged(gotIntegration[8].Header.Get(jetstream.MsgIDHeader)))
	for _, m := range []*nats.Msg{gotA1[5], gotA2[0], gotIntegration[7], gotIntegration[8]} {
		require.Equal(t, fb.TypeTransferredToAgent, m.Header.Get("Fbsession-Events"))
	}
	require.Equal(t, fb.TypeSessionEnded, gotA2[5].Header.Get("Fbsession-Events"), "the customer left")
	require.Equal(t, fb.TypeInteractionCompleted, gotA2[6].Header.Get("Fbsession-Events"), "the customer had ended the session already")

	// The stream holds every message once, in the order published.
	const total = 6 + 7 + 15
	stored := f.streamMessages(total)
	seen := map[string]bool{}
	for _, m := range stored {
		msgID := m.Header.Get(jetstream.MsgIDHeader)
		require.False(t, seen[msgID], "%s twice", msgID)
		seen[msgID] = true
	}

	// A replay builds the very messages that were stored, in their order:
	// from the start of the log, and from the second Accept on, where the
	// notifier reads the stream for the state before and the transcript.
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	replayer, err := notifier.New(notifier.Config{Store: store, Prefix: f.prefix, BaseURL: "http://gws.test", SkipStream: true})
	require.NoError(t, err)
	replayed, err := replayer.Messages(ctx, feed)
	require.NoError(t, err)
	requireSameMessages(t, stored, replayed)
	fresh, err := notifier.New(notifier.Config{Store: store, Prefix: f.prefix, BaseURL: "http://gws.test", SkipStream: true})
	require.NoError(t, err)
	fromAccept, err := fresh.Messages(ctx, feed[8:])
	require.NoError(t, err)
	require.Equal(t, fb.TypeOfferAccepted, feed[8].Type)
	var tail []*jetstream.RawStreamMsg
	for _, m := range stored {
		if pos, _ := strconv.ParseInt(m.Header.Get("Fbsession-Position"), 10, 64); pos >= feed[8].Position {
			tail = append(tail, m)
		}
	}
	requireSameMessages(t, tail, fromAccept)

	// Published again from the start of the log (a lost checkpoint): the
	// stream drops every message as a duplicate.
	again := f.notifier(f.js, 0)
	r, err := projections.NewRunner(projections.RunnerConfig{Name: "again", Store: store, Projector: again, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	r.Drain()
	require.NoError(t, r.Run(ctx))
	require.Len(t, f.streamMessages(total), total)
}

// receiveExpected receives len(want) messages on ch and checks each.
func receiveExpected(t *testing.T, ch chan *nats.Msg, subject string, want []expected) []*nats.Msg {
	t.Helper()
	got := make([]*nats.Msg, 0, len(want))
	for i, w := range want {
		m := receive(t, ch)
		got = append(got, m)
		var body map[string]any
		require.NoError(t, json.Unmarshal(m.Data, &body))
		require.Equal(t, subject, m.Subject, "#%d", i)
		require.Equal(t, w.typ, body["notificationType"], "#%d: %s", i, m.Data)
		require.Equal(t, w.agent, m.Header.Get("Fbsession-Agent"), "#%d: %s", i, m.Data)
		if w.ref == 0 {
			require.NotContains(t, body, "referenceId", "#%d", i)
		} else {
			require.Equal(t, float64(w.ref), body["referenceId"], "#%d: %s", i, m.Data)
		}
		if w.state != "" {
			require.Equal(t, "FacebooksessionStateChangeMessage", body["messageType"], "#%d", i)
			require.Equal(t, string(w.state), resourceOf(body)["state"], "#%d: %s", i, m.Data)
		}
		if w.check != nil {
			w.check(t, body)
		}
	}
	return got
}

// requireSameMessages checks that built messages are those stored, in
// the same order on each kind of subject: the agents' and the integration
// side's chains are published side by side, so the stream may interleave
// them differently from the built list.
func requireSameMessages(t *testing.T, stored []*jetstream.RawStreamMsg, built []*nats.Msg) {
	t.Helper()
	require.Len(t, built, len(stored))
	kind := func(subject string) int {
		if strings.Contains(subject, ".integration.") {
			return 1
		}
		return 0
	}
	stored = slices.Clone(stored)
	built = slices.Clone(built)
	slices.SortStableFunc(stored, func(a, b *jetstream.RawStreamMsg) int { return kind(a.Subject) - kind(b.Subject) })
	slices.SortStableFunc(built, func(a, b *nats.Msg) int { return kind(a.Subject) - kind(b.Subject) })
	for i := range stored {
		require.Equal(t, stored[i].Subject, built[i].Subject, "#%d", i)
		require.Equal(t, string(stored[i].Data), string(built[i].Data), "#%d", i)
		for _, h := range []string{jetstream.MsgIDHeader, "Fbsession-Position", "Fbsession-Index", "Fbsession-Agent", "Fbsession-Events"} {
			require.Equal(t, stored[i].Header.Get(h), built[i].Header.Get(h), "#%d %s", i, h)
		}
	}
}

func resourceOf(body map[string]any) map[string]any {
	return body["facebooksession"].(map[string]any)
}

// with merges maps into a new one.
func with(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
