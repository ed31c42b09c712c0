package audit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
)

// step is one request of a session's life and what the audit tools must
// then show of the event it appends.
type step struct {
	actor string
	cmd   fb.Command
	// typ and summary: the event appended (one per step here, but for the
	// last Complete, which ends nothing the customer ended already).
	typ, summary string
	// then: the session as of that event.
	then func(t *testing.T, s fb.State)
}

var customer = fb.Participant{Nickname: "VitaliyOnv", Type: fb.ParticipantCustomer, ID: "007355E6EDFA0107", Visibility: fb.VisibilityAll, ParticipantID: "007355E6EDFA0107"}

func status(want fb.Status, agent string, participants, messages int) func(t *testing.T, s fb.State) {
	return func(t *testing.T, s fb.State) {
		t.Helper()
		require.Equal(t, want, s.Status)
		require.Equal(t, agent, s.AgentID)
		require.Len(t, s.Participants, participants)
		require.Equal(t, messages, s.Messages)
	}
}

// whole is a session's whole life: offered, accepted, talked in, typed in,
// transferred, accepted by the other agent, its user data changed, in
// focus, left by the customer, completed.
func whole(id string) []step {
	return []step{
		{"router", fb.Start{SessionID: id, AgentID: "a1", Participants: []fb.Participant{customer}, UserData: json.RawMessage(`{"k":"v","keep":1}`)},
			fb.TypeSessionStarted, `Invited to a1; participants: "VitaliyOnv" (Customer)`, status(fb.StatusInvited, "a1", 1, 0)},
		{"a1", fb.Accept{By: "a1", Nickname: "Anna"}, fb.TypeOfferAccepted, `a1 joined as "Anna"`, status(fb.StatusChatting, "a1", 2, 0)},
		{"router", fb.CustomerMessage{Text: "Hello,\nmy order is late"}, fb.TypeCustomerMessageReceived,
			"#1 Customer \"VitaliyOnv\": \"Hello,\nmy order is late\"", status(fb.StatusChatting, "a1", 2, 1)},
		{"a1", fb.SendMessage{By: "a1", Text: strings.Repeat("Let me look. ", 10)}, fb.TypeAgentMessageSent,
			`#2 Agent "Anna": "` + strings.Repeat("Let me look. ", 10)[:59] + `…"`, status(fb.StatusChatting, "a1", 2, 2)},
		{"a1", fb.StartTyping{By: "a1"}, fb.TypeAgentTypingStarted, "a1 started typing", status(fb.StatusChatting, "a1", 2, 2)},
		{"a1", fb.StopTyping{By: "a1"}, fb.TypeAgentTypingStopped, "a1 stopped typing", status(fb.StatusChatting, "a1", 2, 2)},
		{"a1", fb.Transfer{By: "a1", TargetAgent: "a2"}, fb.TypeTransferredToAgent, "transfer a1 -> a2 (offered)", status(fb.StatusInvited, "a2", 1, 2)},
		{"a2", fb.Accept{By: "a2", Nickname: "Bob"}, fb.TypeOfferAccepted, `a2 joined as "Bob"`, func(t *testing.T, s fb.State) {
			status(fb.StatusChatting, "a2", 2, 2)(t, s)
			require.Equal(t, "Bob", s.Participants[1].Nickname)
		}},
		{"a2", fb.UpdateUserData{By: "a2", UserData: json.RawMessage(`{"x":1,"k":"w"}`)}, fb.TypeUserDataUpdated, "userData set: x, k", func(t *testing.T, s fb.State) {
			require.JSONEq(t, `{"k":"w","keep":1,"x":1}`, string(s.UserData))
		}},
		{"a2", fb.DeleteUserData{By: "a2", Keys: []string{"k", "x"}}, fb.TypeUserDataDeleted, "userData deleted: k, x", func(t *testing.T, s fb.State) {
			require.JSONEq(t, `{"keep":1}`, string(s.UserData))
		}},
		{"a2", fb.InFocus{By: "a2"}, fb.TypeSessionFocused, "in focus on a2's desktop", status(fb.StatusChatting, "a2", 2, 2)},
		{"router", fb.CustomerLeft{}, fb.TypeSessionEnded, "the customer ended the Facebook session and left", func(t *testing.T, s fb.State) {
			status(fb.StatusChatting, "a2", 1, 2)(t, s)
			require.True(t, s.Ended)
		}},
		{"a2", fb.Complete{By: "a2"}, fb.TypeInteractionCompleted, "interaction completed", func(t *testing.T, s fb.State) {
			status(fb.StatusCompleted, "a2", 1, 2)(t, s)
			require.True(t, s.Ended)
			require.False(t, s.Routable())
		}},
	}
}

// rejected is offered, rejected and routed to another agent.
func rejected(id string) []step {
	return []step{
		{"router", fb.Start{SessionID: id, AgentID: "a1", Participants: []fb.Participant{customer}}, fb.TypeSessionStarted, "", status(fb.StatusInvited, "a1", 1, 0)},
		{"a1", fb.Reject{By: "a1"}, fb.TypeOfferRejected, "a1 rejected the offer", status(fb.StatusCompleted, "", 1, 0)},
		{"router", fb.Route{AgentID: "a3"}, fb.TypeSessionRouted, "routed to a3 (offered)", status(fb.StatusInvited, "a3", 1, 0)},
	}
}

// left is handed over joined, left by its agent, and routed to another.
func left(id string) []step {
	return []step{
		{"router", fb.Start{SessionID: id, AgentID: "a1", Status: fb.StatusChatting, Participants: []fb.Participant{customer}}, fb.TypeSessionStarted,
			`Chatting to a1; participants: "VitaliyOnv" (Customer)`, status(fb.StatusChatting, "a1", 1, 0)},
		{"a1", fb.Leave{By: "a1"}, fb.TypeAgentLeft, "a1 left; waits for routing", status(fb.StatusCompleted, "", 1, 0)},
		{"router", fb.Route{AgentID: "a2"}, fb.TypeSessionRouted, "routed to a2 (offered)", status(fb.StatusInvited, "a2", 1, 0)},
		{"a2", fb.Transfer{By: "a2", QueueName: ptr("Sales.EMEA")}, fb.TypeTransferredToQueue, "", nil}, // refused: a2 has not accepted
		{"a2", fb.Accept{By: "a2", Nickname: "Bob"}, fb.TypeOfferAccepted, `a2 joined as "Bob"`, status(fb.StatusChatting, "a2", 2, 0)},
		{"a2", fb.Transfer{By: "a2", QueueName: ptr("Sales.EMEA")}, fb.TypeTransferredToQueue, "transfer a2 -> queue Sales.EMEA", func(t *testing.T, s fb.State) {
			status(fb.StatusCompleted, "", 1, 0)(t, s)
			require.Equal(t, "Sales.EMEA", s.Queue)
		}},
	}
}

func ptr[T any](v T) *T { return &v }

// applied is what a step did: the versions it appended and its referenceId.
type applied struct {
	step
	version int64
	ref     int64
	at      time.Time
}

// live runs steps through the command handler, a minute apart, and
// returns those that appended; a step without then must be refused.
func (e *env) live(t *testing.T, h *commands.Handler, id string, steps []step) []applied {
	t.Helper()
	ctx := context.Background()
	var out []applied
	for _, st := range steps {
		at := e.clock.Now()
		var (
			res commands.Result
			err error
		)
		if start, ok := st.cmd.(fb.Start); ok {
			res, err = h.Start(ctx, commands.Request{Actor: st.actor}, start)
		} else {
			res, err = h.Operate(ctx, commands.Request{Actor: st.actor}, id, st.cmd)
		}
		if st.then == nil {
			require.Error(t, err, "%T", st.cmd)
			continue
		}
		require.NoError(t, err, "%T", st.cmd)
		events := e.events(t, id)
		out = append(out, applied{step: st, version: events[len(events)-1].Version, ref: res.ReferenceID, at: at})
		e.clock.Advance(time.Minute)
	}
	return out
}

// The whole life of sessions, through the command handler, as the audit
// tools show it: every event in history with its actor, referenceId and a
// summary; the state as of each version and time; verify, rebuild and
// verify again; an export holding every event.
func TestAuditTheWholeLife(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		h := commands.NewHandler(e.store, commands.WithClock(e.clock.Now))
		lives := map[string][]applied{
			"life":     e.live(t, h, "life", whole("life")),
			"rejected": e.live(t, h, "rejected", rejected("rejected")),
			"left":     e.live(t, h, "left", left("left")),
		}
		total := 0
		types := map[string]bool{}
		for id, steps := range lives {
			hist, err := audit.History(ctx, e.store, id)
			require.NoError(t, err)
			require.Len(t, hist, len(steps), id)
			total += len(hist)
			for i, st := range steps {
				entry := hist[i]
				types[entry.Type] = true
				require.Equal(t, st.version, entry.Version, "%s v%d", id, entry.Version)
				require.Equal(t, st.typ, entry.Type, "%s v%d", id, entry.Version)
				require.Equal(t, st.actor, entry.Actor, "%s v%d", id, entry.Version)
				require.Equal(t, st.ref, entry.ReferenceID, "%s v%d", id, entry.Version)
				require.True(t, st.at.Equal(entry.Time), "%s v%d at %s", id, entry.Version, entry.Time)
				require.True(t, entry.Verified, "%s v%d: %s", id, entry.Version, entry.Problem)
				if st.summary != "" {
					require.Equal(t, st.summary, entry.Summary, "%s v%d", id, entry.Version)
				}
				require.NotEmpty(t, entry.Summary, "%s v%d", id, entry.Version)
				if i > 0 {
					require.Positive(t, entry.ReferenceID, "every operation has a referenceId")
				}

				byVersion, err := audit.SnapshotAt(ctx, e.store, id, time.Time{}, st.version)
				require.NoError(t, err)
				require.Equal(t, st.version, byVersion.Version)
				st.then(t, byVersion.State)
				byTime, err := audit.SnapshotAt(ctx, e.store, id, st.at.Add(30*time.Second), 0)
				require.NoError(t, err)
				require.Equal(t, byVersion, byTime, "%s: as of a time between two events", id)
			}
		}
		require.Equal(t, "Sales.EMEA", func() string {
			h, _ := audit.History(ctx, e.store, "left")
			return h[len(h)-1].Queue
		}(), "a transfer to a queue names it")
		for _, typ := range []string{fb.TypeSessionStarted, fb.TypeSessionEnded, fb.TypeInteractionCompleted, fb.TypeOfferAccepted,
			fb.TypeOfferRejected, fb.TypeAgentMessageSent, fb.TypeCustomerMessageReceived, fb.TypeAgentTypingStarted,
			fb.TypeAgentTypingStopped, fb.TypeTransferredToAgent, fb.TypeTransferredToQueue, fb.TypeAgentLeft,
			fb.TypeSessionFocused, fb.TypeUserDataUpdated, fb.TypeUserDataDeleted, fb.TypeSessionRouted} {
			require.True(t, types[typ], "the lives cover %s", typ)
		}

		// The transcript as of a version: the customer's message, then
		// the agent's, with their times.
		snap, err := audit.SnapshotAt(ctx, e.store, "life", time.Time{}, 4)
		require.NoError(t, err)
		require.Len(t, snap.Messages, 2)
		require.Equal(t, fb.ParticipantCustomer, snap.Messages[0].FromType)
		require.Equal(t, 1, snap.Messages[0].Index)
		require.True(t, lives["life"][2].at.Equal(snap.Messages[0].At))
		require.Equal(t, fb.ParticipantAgent, snap.Messages[1].FromType)
		require.Equal(t, "Anna", snap.Messages[1].Nickname)
		snap, err = audit.SnapshotAt(ctx, e.store, "life", time.Time{}, 2)
		require.NoError(t, err)
		require.Empty(t, snap.Messages)

		report, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, report.OK(), "%+v", report.Problems)
		require.Equal(t, int64(3), report.Streams)
		require.Equal(t, int64(total), report.Events)
		require.Equal(t, int64(3), report.Views)
		for id := range lives {
			one, err := audit.Verify(ctx, e.store, audit.VerifyParams{SessionID: id})
			require.NoError(t, err)
			require.True(t, one.OK(), "%s: %+v", id, one.Problems)
		}

		live := allViews(t, e.store)
		r, err := audit.Rebuild(ctx, e.store, nil)
		require.NoError(t, err)
		require.Equal(t, int64(3), r.Streams)
		require.Equal(t, int64(total), r.Events)
		require.Equal(t, live, allViews(t, e.store), "the rebuilt read model is the live one")
		again, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, again.OK(), "%+v", again.Problems)
		require.Equal(t, report.Digest, again.Digest)

		var buf bytes.Buffer
		n, err := audit.Export(ctx, e.store, &buf, audit.ExportParams{})
		require.NoError(t, err)
		require.Equal(t, int64(total), n)
		prev := map[string][]byte{}
		exported := map[string]int{}
		sc := bufio.NewScanner(&buf)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var x audit.Exported
			require.NoError(t, json.Unmarshal(sc.Bytes(), &x))
			hash := independentHash(t, prev[x.StreamID], x)
			require.Equal(t, x.Hash, hex.EncodeToString(hash), "position %d", x.Position)
			prev[x.StreamID] = hash
			exported[x.Type]++
		}
		require.NoError(t, sc.Err())
		for typ := range types {
			require.Positive(t, exported[typ], "the export holds %s", typ)
		}
	})
}

// Editing a message's text in the log is caught by the chain, at that
// message; editing a field of the read model the new events set (the
// queue of a transfer), by the fold.
func TestVerifyCatchesAnEditedMessage(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		h := commands.NewHandler(e.store, commands.WithClock(e.clock.Now))
		e.live(t, h, "life", whole("life"))
		e.live(t, h, "other", left("other"))
		events := e.events(t, "life")
		var msg eventstore.RecordedEvent
		for _, ev := range events {
			if ev.Type == fb.TypeAgentMessageSent {
				msg = ev
			}
		}
		e.tamper(t, `UPDATE events SET data = $1 WHERE position = $2`,
			strings.Replace(string(msg.Data), "Let me look.", "Go away.", 1), msg.Position)
		r, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.False(t, r.OK())
		require.Equal(t, msg.Position, r.Problems[0].Position)
		require.Contains(t, r.Problems[0].Reason, "hash")
		hist, err := audit.History(ctx, e.store, "life")
		require.NoError(t, err)
		require.False(t, hist[msg.Version-1].Verified)
		require.Contains(t, hist[msg.Version-1].Summary, "Go away.", "history shows what is stored")

		other, err := e.store.View(ctx, &eventstore.ViewParams{StreamID: e.events(t, "other")[0].StreamID})
		require.NoError(t, err)
		forged := strings.Replace(string(other.Document), `"queue":"Sales.EMEA"`, `"queue":"Elsewhere"`, 1)
		require.NotEqual(t, string(other.Document), forged)
		e.tamper(t, `UPDATE stream_views SET document = $1 WHERE stream_id = $2`, forged, other.StreamID)
		r, err = audit.Verify(ctx, e.store, audit.VerifyParams{SessionID: "other"})
		require.NoError(t, err)
		require.False(t, r.OK())
		require.Contains(t, r.Problems[0].Reason, "read model differs")
	})
}

// Replay re-publishes a whole life's notifications as the live notifier
// makes them, under another prefix: several per change (StatusChange,
// ParticipantsUpdated, NewMessages...), each on its agent's subject and on
// the integration subject, with the typing indicators for the integration
// side only, and their ids. From the middle of a session, it starts from
// the session as it was there.
func TestReplayTheWholeLife(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		h := commands.NewHandler(e.store, commands.WithClock(e.clock.Now))
		e.live(t, h, "life", whole("life"))
		e.live(t, h, "left", left("left"))
		all, err := e.store.ReadRange(ctx, &eventstore.ReadRangeParams{From: 1, Limit: 1000})
		require.NoError(t, err)
		live, err := notifier.New(notifier.Config{Store: e.store, Prefix: "gws.v2", SkipStream: true})
		require.NoError(t, err)
		want, err := live.Messages(ctx, all)
		require.NoError(t, err)

		// What each change of the life notifies, by kind of subject.
		kinds := map[int64][]string{}
		for _, m := range want {
			var body struct{ NotificationType string }
			require.NoError(t, json.Unmarshal(m.Data, &body))
			pos, err := strconv.ParseInt(m.Header.Get(notifier.HeaderPosition), 10, 64)
			require.NoError(t, err)
			kind := strings.SplitN(strings.TrimPrefix(m.Subject, "gws.v2."), ".", 2)[0]
			kinds[pos] = append(kinds[pos], kind+" "+body.NotificationType)
		}
		byType := map[string][]string{}
		for _, ev := range e.events(t, "life") {
			byType[ev.Type] = append(byType[ev.Type], strings.Join(kinds[ev.Position], ", "))
		}
		require.Equal(t, []string{"users StatusChange, integration StatusChange"}, byType[fb.TypeSessionStarted])
		require.Equal(t, []string{
			"users StatusChange, users ParticipantsUpdated, integration StatusChange, integration ParticipantsUpdated",
			"users StatusChange, users ParticipantsUpdated, users NewMessages, integration StatusChange, integration ParticipantsUpdated, integration NewMessages",
		}, byType[fb.TypeOfferAccepted], "the second Accept shows the messages so far")
		require.Equal(t, []string{"users NewMessages, integration NewMessages"}, byType[fb.TypeCustomerMessageReceived])
		require.Equal(t, []string{"users NewMessages, integration NewMessages"}, byType[fb.TypeAgentMessageSent])
		require.Equal(t, []string{"integration NewMessages"}, byType[fb.TypeAgentTypingStarted], "typing: the integration side only")
		require.Equal(t, []string{"users StatusChange, users StatusChange, integration StatusChange, integration StatusChange"}, byType[fb.TypeTransferredToAgent])
		require.Equal(t, []string{"users PropertiesUpdated, integration PropertiesUpdated"}, byType[fb.TypeUserDataUpdated])
		require.Equal(t, []string{"users PropertiesUpdated, integration PropertiesUpdated"}, byType[fb.TypeUserDataDeleted])
		require.Equal(t, []string{""}, byType[fb.TypeSessionFocused], "in focus: for reporting only")
		require.Equal(t, []string{"users ParticipantsUpdated, integration ParticipantsUpdated"}, byType[fb.TypeSessionEnded], "the customer left")
		require.Equal(t, []string{"users StatusChange, integration StatusChange"}, byType[fb.TypeInteractionCompleted])

		url := natstest.RunServer(t, "", 0).ClientURL()
		nc := natstest.Connect(t, url)
		replay := func(from int64) []*nats.Msg {
			t.Helper()
			got := make(chan *nats.Msg, 1000)
			sub, err := nc.ChanSubscribe("audit.replay.>", got)
			require.NoError(t, err)
			defer sub.Unsubscribe()
			require.NoError(t, nc.Flush())
			replayer, err := notifier.New(notifier.Config{Store: e.store, Prefix: "audit.replay", SkipStream: true})
			require.NoError(t, err)
			n, err := audit.Replay(ctx, e.store, audit.ReplayParams{From: from, Notifier: replayer, Conn: nc})
			require.NoError(t, err)
			out := make([]*nats.Msg, n)
			for i := range out {
				select {
				case out[i] = <-got:
				case <-time.After(5 * time.Second):
					t.Fatalf("%d of %d replayed", i, n)
				}
			}
			return out
		}
		same := func(want, got []*nats.Msg) {
			t.Helper()
			require.Len(t, got, len(want))
			for i := range want {
				require.Equal(t, strings.Replace(want[i].Subject, "gws.v2.", "audit.replay.", 1), got[i].Subject, "message %d", i)
				require.Equal(t, string(want[i].Data), string(got[i].Data), "message %d", i)
				for _, h := range []string{jetstream.MsgIDHeader, notifier.HeaderPosition, notifier.HeaderIndex, notifier.HeaderEvents, notifier.HeaderAgent} {
					require.Equal(t, want[i].Header.Get(h), got[i].Header.Get(h), "message %d: %s", i, h)
				}
			}
		}
		same(want, replay(1))

		// From the transfer on: the session as it was then, not from
		// scratch.
		var from int64
		for _, ev := range e.events(t, "life") {
			if ev.Type == fb.TypeTransferredToAgent {
				from = ev.Position
			}
		}
		var tail []*nats.Msg
		for _, m := range want {
			if pos, _ := strconv.ParseInt(m.Header.Get(notifier.HeaderPosition), 10, 64); pos >= from {
				tail = append(tail, m)
			}
		}
		same(tail, replay(from))
	})
}
