package ctl_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/embeddednats"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections/notifier"
)

// lifeNotifications runs a session's whole life through the command
// handler and returns the notifications the notifier makes of it, as
// fbsessiond publishes them.
func lifeNotifications(t *testing.T) (*notifier.Notifier, []*nats.Msg) {
	t.Helper()
	ctx := context.Background()
	b := storetest.SQLite(t, storetest.Options{ClockAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)})
	h := commands.NewHandler(b.Store, commands.WithClock(b.Clock.Now))
	customer := fb.Participant{Nickname: "Vitaliy\u202eOnv", Type: fb.ParticipantCustomer, ID: "c1", Visibility: fb.VisibilityAll, ParticipantID: "c1"}
	// Intake checks nicknames now; older logs hold such ones.
	storetest.StartUnchecked(t, b.Store, fb.Start{SessionID: "s1", AgentID: "a1", Participants: []fb.Participant{customer}, UserData: json.RawMessage(`{"k":"v"}`)})
	for _, op := range []struct {
		actor string
		cmd   fb.Command
	}{
		{"router", fb.CustomerMessage{Text: "Hello,\nmy order is late"}},
		{"a1", fb.Accept{By: "a1", Nickname: "Anna"}},
		{"a1", fb.StartTyping{By: "a1"}},
		{"a1", fb.SendMessage{By: "a1", Text: "Let me look"}},
		{"a1", fb.Transfer{By: "a1", TargetAgent: "a2"}},
		{"a2", fb.Accept{By: "a2", Nickname: "Bob"}},
		{"a2", fb.UpdateUserData{By: "a2", UserData: json.RawMessage(`{"x":1}`)}},
		{"router", fb.CustomerLeft{}},
		{"a2", fb.Complete{By: "a2"}},
	} {
		b.Clock.Advance(time.Minute)
		_, err := h.Operate(ctx, commands.Request{Actor: op.actor}, "s1", op.cmd)
		require.NoError(t, err, "%T", op.cmd)
	}
	events, err := b.Store.ReadRange(ctx, &eventstore.ReadRangeParams{From: 1, Limit: 1000})
	require.NoError(t, err)
	n, err := notifier.New(notifier.Config{Store: b.Store, Prefix: "gws.v2", BaseURL: "http://fbsession.test"})
	require.NoError(t, err)
	msgs, err := n.Messages(ctx, events)
	require.NoError(t, err)
	return n, msgs
}

// fbsessionctl watch tells every notification of a session's life, on
// the agents' subjects live and on the integration subject from the
// stream, against the in-process NATS server.
func TestWatchTellsTheWholeLife(t *testing.T) {
	t.Parallel()
	notify, msgs := lifeNotifications(t)
	var users, integration int
	for _, m := range msgs {
		if strings.HasPrefix(m.Subject, "gws.v2.integration.") {
			integration++
		} else {
			users++
		}
	}

	dir := t.TempDir()
	ns, err := embeddednats.Run(embeddednats.Config{Addr: "127.0.0.1:-1", DataDir: dir, SubjectPrefix: "gws.v2"})
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)
	conn := []string{"--data-dir", dir, "--nats-listen", strings.TrimPrefix(ns.ClientURL(), "nats://")}
	opts, err := natsconn.Options(natsconn.Settings{DataDir: dir}, natsconn.Publisher)
	require.NoError(t, err)
	pub, err := nats.Connect(ns.ClientURL(), opts...)
	require.NoError(t, err)
	t.Cleanup(pub.Close)
	js, err := jetstream.New(pub)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = js.CreateStream(ctx, notify.StreamConfig())
	require.NoError(t, err)

	// Live, the agents' subjects (as the read-only user).
	started, live := watchStream(t, append([]string{"--brief", "--count", strconv.Itoa(users)}, conn...)...)
	select {
	case <-started:
	case out := <-live:
		t.Fatal(out)
	}
	for _, m := range msgs {
		_, err := js.PublishMsg(ctx, m)
		require.NoError(t, err)
	}
	got := <-live
	t.Logf("fbsessionctl watch --brief:\n%s", got)
	require.Equal(t, strings.Join([]string{
		`[user a1] StatusChange s1 (SessionStarted): Invited, 1 participants: "Vitaliy\u202eOnv" (Customer)`,
		`[user a1] NewMessages ref 1 s1 (CustomerMessageReceived): 1 messages`,
		`  #1 Customer "Vitaliy\u202eOnv" 2026-11-24T09:01:00.000Z: "Hello,\u000amy order is late"`,
		`[user a1] StatusChange ref 2 s1 (OfferAccepted): Chatting, 2 participants: "Vitaliy\u202eOnv" (Customer), "Anna" (Agent)`,
		`[user a1] ParticipantsUpdated ref 2 s1 (OfferAccepted): Chatting, 2 participants: "Vitaliy\u202eOnv" (Customer), "Anna" (Agent)`,
		`[user a1] NewMessages ref 2 s1 (OfferAccepted): 1 messages`,
		`  #1 Customer "Vitaliy\u202eOnv" 2026-11-24T09:01:00.000Z: "Hello,\u000amy order is late"`,
		`[user a1] NewMessages ref 4 s1 (AgentMessageSent): 1 messages`,
		`  #2 Agent "Anna" 2026-11-24T09:04:00.000Z: "Let me look"`,
		`[user a1] StatusChange ref 5 s1 (TransferredToAgent): Completed, 1 participants: "Vitaliy\u202eOnv" (Customer)`,
		`[user a2] StatusChange ref 5 s1 (TransferredToAgent): Invited, 1 participants: "Vitaliy\u202eOnv" (Customer)`,
		`[user a2] StatusChange ref 6 s1 (OfferAccepted): Chatting, 2 participants: "Vitaliy\u202eOnv" (Customer), "Bob" (Agent)`,
		`[user a2] ParticipantsUpdated ref 6 s1 (OfferAccepted): Chatting, 2 participants: "Vitaliy\u202eOnv" (Customer), "Bob" (Agent)`,
		`[user a2] NewMessages ref 6 s1 (OfferAccepted): 2 messages`,
		`  #1 Customer "Vitaliy\u202eOnv" 2026-11-24T09:01:00.000Z: "Hello,\u000amy order is late"`,
		`  #2 Agent "Anna" 2026-11-24T09:04:00.000Z: "Let me look"`,
		`[user a2] PropertiesUpdated ref 7 s1 (UserDataUpdated): Chatting, 2 participants: "Vitaliy\u202eOnv" (Customer), "Bob" (Agent); userData keys: k, x`,
		`[user a2] ParticipantsUpdated ref 8 s1 (SessionEnded): Chatting, 1 participants: "Bob" (Agent)`,
		`[user a2] StatusChange ref 9 s1 (InteractionCompleted): Completed, 1 participants: "Bob" (Agent)`,
	}, "\n")+"\n", got)

	// From the stream, the integration side's: every change, and the
	// typing indicator, which the agents do not get.
	started, replayed := watchStream(t, append([]string{"--integration", "--all", "--brief", "--count", strconv.Itoa(integration)}, conn...)...)
	got = replayOutput(t, started, replayed)
	t.Logf("fbsessionctl watch --integration --all --brief:\n%s", got)
	require.Equal(t, integration, strings.Count(got, "[integration"), got)
	require.Contains(t, got, "[integration a1] StatusChange ref 5 s1 (TransferredToAgent): Completed")
	require.Contains(t, got, "[integration a2] StatusChange ref 5 s1 (TransferredToAgent): Invited")
	require.Contains(t, got, "[integration a1] NewMessages ref 1 s1 (CustomerMessageReceived): 1 messages\n"+
		`  #1 Customer "Vitaliy\u202eOnv" 2026-11-24T09:01:00.000Z: "Hello,\u000amy order is late"`+"\n")
	require.Contains(t, got, "[integration a1] NewMessages ref 3 s1 (AgentTypingStarted): 0 messages, 1 typing indicators\n"+
		`  Agent "Anna" (a1) TypingStarted 2026-11-24T09:03:00.000Z`+"\n")
	require.Contains(t, got, `[integration a2] StatusChange ref 9 s1 (InteractionCompleted): Completed, 1 participants: "Bob" (Agent)`)

	// Pretty: the subject, the summary, the JSON, which escapes what
	// encoding/json leaves raw.
	started, pretty := watchStream(t, append([]string{"--integration", "--session", "s1", "--all", "--count", "2"}, conn...)...)
	got = replayOutput(t, started, pretty)
	require.True(t, strings.HasPrefix(got, "# gws.v2.integration.facebooksession.s1\n"+
		`# StatusChange s1 (SessionStarted): Invited, 1 participants: "Vitaliy\u202eOnv" (Customer)`+"\n{\n"), got)
	require.Contains(t, got, `"nickname": "Vitaliy\u202eOnv"`)
	require.NotContains(t, got, "\u202e")
}

// replayOutput is what a watch that replays the stream and stops after
// --count printed. It may be done as soon as it started: both channels
// are then ready, and either may be seen first.
func replayOutput(t *testing.T, started <-chan struct{}, result <-chan string) string {
	t.Helper()
	select {
	case <-started:
		return <-result
	case out := <-result:
		select {
		case <-started:
			return out
		default:
			t.Fatal(out) // it failed before it started
			return ""
		}
	}
}
