package notifier_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
)

// An agent's channel changes reach the agent's channels subject as GWS's
// ChannelStateChangeMessageV2, in order, between the sessions' changes,
// and are kept by the stream; a capacity set is not one.
func TestNotifierPublishesChannelStateChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, newSQLiteStore(t), natstest.RunServer(t, "", 0).ClientURL())
	all := f.subscribe(f.prefix + ".>")
	f.run(f.store, f.notifier(f.js, 0))
	agents := commands.NewAgentHandler(f.store)
	a1 := as.Sender{Agent: "a1", By: "a1"}
	run := func(cmd as.Command) int64 {
		t.Helper()
		out, err := agents.Execute(ctx, commands.Request{Actor: cmd.From().By}, cmd)
		require.NoError(t, err)
		return out.ReferenceID
	}

	refStart := run(as.StartSession{Sender: a1, Channels: []string{"facebooksession"}})
	// A capacity changes no channel's state: it is not notified.
	require.Positive(t, run(as.SetCapacity{Sender: as.Sender{Agent: "a1", By: "alice", Administrator: true}, Channel: "facebooksession", Capacity: 1}))
	f.start("s1", "a1")
	refReady := run(as.SetReady{Sender: as.Sender{Agent: "a1", By: "boss", Supervisor: true}, Channel: "facebooksession"})
	_, err := f.cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
	require.NoError(t, err)
	refNotReady := run(as.SetNotReady{Sender: a1, Channel: "facebooksession", ReasonCode: "Lunch"})
	refEnd := run(as.EndSession{Sender: a1})

	var channelBodies []string
	var subjects []string
	for range 8 {
		m := receive(t, all)
		subject := strings.TrimPrefix(m.Subject, f.prefix+".")
		subjects = append(subjects, subject)
		if subject == "users.a1.channels" {
			require.Equal(t, "a1", m.Header.Get(notifier.HeaderAgent))
			require.Equal(t, "0", m.Header.Get(notifier.HeaderIndex))
			require.NotEmpty(t, m.Header.Get(notifier.HeaderPosition))
			channelBodies = append(channelBodies, string(m.Data))
		}
	}
	requireNothingMore(t, all)
	require.Subset(t, subjects, []string{"users.a1.facebooksession.s1", "integration.facebooksession.s1"})
	state := func(ref int64, userState string) string {
		return `{"referenceId":` + strconv.FormatInt(ref, 10) + `,"messageType":"ChannelStateChangeMessageV2","channels":[{"channel":"facebooksession","dndState":"Off","userState":` + userState + `}]}`
	}
	want := []string{
		state(refStart, `{"id":"900D55CC-2BB0-431F-8BF9-D3525B383BE6","displayName":"Not Ready","state":"NotReady"}`),
		state(refReady, `{"id":"9430250E-0A1B-421F-B372-F29E69366DED","displayName":"Ready","state":"Ready"}`),
		state(refNotReady, `{"id":"900D55CC-2BB0-431F-8BF9-D3525B383BE6","displayName":"Not Ready","state":"NotReady","reasonCode":"Lunch"}`),
		state(refEnd, `{"id":"6C3A3E0F-8F3B-4C1E-9D2A-5B7E0A1F4C2D","displayName":"Logged Out","state":"LoggedOut"}`),
	}
	require.Len(t, channelBodies, len(want))
	for i := range want {
		require.JSONEq(t, want[i], channelBodies[i])
	}
	require.Len(t, f.streamMessages(8), 8)
}

// Messages, which a replay sends, lists them in feed order.
func TestNotifierMessagesOfAgentsInFeedOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, newSQLiteStore(t), natstest.RunServer(t, "", 0).ClientURL())
	agents := commands.NewAgentHandler(f.store)
	a1 := as.Sender{Agent: "a1", By: "a1"}
	_, err := agents.Execute(ctx, commands.Request{Actor: "a1"}, as.StartSession{Sender: a1, Channels: []string{"facebooksession"}})
	require.NoError(t, err)
	f.start("s1", "a1")
	_, err = agents.Execute(ctx, commands.Request{Actor: "a1"}, as.SetReady{Sender: a1, Channel: "facebooksession"})
	require.NoError(t, err)
	msgs, err := f.notifier(nil, 0).Messages(ctx, f.feed())
	require.NoError(t, err)
	var subjects []string
	for _, m := range msgs {
		subjects = append(subjects, strings.TrimPrefix(m.Subject, f.prefix+"."))
	}
	require.Equal(t, []string{"users.a1.channels", "users.a1.facebooksession.s1", "integration.facebooksession.s1", "users.a1.channels"}, subjects)
}
