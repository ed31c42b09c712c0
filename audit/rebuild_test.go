package audit_test

import (
	"context"
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
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
	"github.com/fbsession/fbsession/sessionlog"
)

// The rebuilt read model equals the live one, repairs a broken row, and
// keeps what appends wrote while it ran. 100k events on PostgreSQL; fewer
// on SQLite, whose appends each wait for an fsync.
func TestRebuildEqualsLive(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		sessions := 1000
		if _, ok := e.store.(*postgres.Store); ok {
			sessions = 40_000 // three events for three in four, one for the rest: 100k events
		}
		e.sessions(t, sessions)
		head, err := e.store.Head(ctx)
		require.NoError(t, err)
		t.Logf("%d events", head)
		live := allViews(t, e.store)
		require.Len(t, live, sessions)

		e.tamper(t, `UPDATE stream_views SET document = $1 WHERE stream_id = $2`, `{"broken":true}`, sessionlog.StreamID("bulk-000001"))
		var calls int
		r, err := audit.Rebuild(ctx, e.store, func(int64) {
			calls++
			if calls == 2 { // appends go on during the rebuild
				_, err := e.cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "during", AgentID: "a1"})
				require.NoError(t, err)
			}
		})
		require.NoError(t, err)
		// The session started during the rebuild is scanned, or folded at
		// the swap: either way it is in the result.
		require.GreaterOrEqual(t, r.Events, head)
		require.GreaterOrEqual(t, r.Streams, int64(sessions))

		rebuilt := allViews(t, e.store)
		require.Len(t, rebuilt, sessions+1)
		byID := map[string]eventstore.StreamView{}
		for _, v := range rebuilt {
			byID[v.StreamID] = v
		}
		for _, v := range live {
			require.Equal(t, v, byID[v.StreamID])
		}
		require.Contains(t, byID, sessionlog.StreamID("during"))
		report, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, report.OK(), "%+v", report.Problems)
	})
}

// A stream that cannot be folded stops the rebuild with an error naming it,
// and the live read model stays as it was: nothing is swapped in half done.
func TestRebuildFailsWholeOnAnUndecodableEvent(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.sessions(t, 3000)
		live := allViews(t, e.store)
		bad := e.events(t, "bulk-002500")[0]
		e.tamper(t, `UPDATE events SET data = $1 WHERE position = $2`, `{"sessionId":"bulk-002500","agentId":7}`, bad.Position)

		_, err := audit.Rebuild(ctx, e.store, nil)
		require.ErrorContains(t, err, sessionlog.StreamID("bulk-002500"))
		require.Equal(t, live, allViews(t, e.store))
		// And a later rebuild, once the log is mended, starts afresh.
		e.tamper(t, `UPDATE events SET data = $1 WHERE position = $2`, string(bad.Data), bad.Position)
		_, err = audit.Rebuild(ctx, e.store, nil)
		require.NoError(t, err)
		require.Equal(t, live, allViews(t, e.store))
	})
}

// Replay re-publishes a range in order under another prefix and leaves the
// live notifier's checkpoint alone.
func TestReplay(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for i := 0; i < 30; i++ {
			e.session(t, "r"+strconv.Itoa(i), "")
		}
		url := natstest.RunServer(t, "", 0).ClientURL()
		nc := natstest.Connect(t, url)
		js, err := jetstream.New(nc)
		require.NoError(t, err)

		// The live notifier catches up and stops: its checkpoint is set.
		live, err := notifier.New(notifier.Config{JetStream: js, Store: e.store, Prefix: "live.gws.v2"})
		require.NoError(t, err)
		runner, err := projections.NewRunner(projections.RunnerConfig{Name: "notifier", Store: e.store, Projector: live})
		require.NoError(t, err)
		runner.Drain()
		require.NoError(t, runner.Run(ctx))
		checkpoint, err := e.store.Checkpoint(ctx, &eventstore.CheckpointParams{Name: "notifier"})
		require.NoError(t, err)
		require.NotEqual(t, eventstore.Start, checkpoint)

		got := make(chan *nats.Msg, 1000)
		sub, err := nc.ChanSubscribe("audit.replay.>", got)
		require.NoError(t, err)
		defer sub.Unsubscribe()
		require.NoError(t, nc.Flush())
		liveMsgs := make(chan *nats.Msg, 1000)
		liveSub, err := nc.ChanSubscribe("live.gws.v2.>", liveMsgs)
		require.NoError(t, err)
		defer liveSub.Unsubscribe()

		first := e.events(t, "r10")[0].Position
		last := e.events(t, "r19")[2].Position
		replayer, err := notifier.New(notifier.Config{Store: e.store, Prefix: "audit.replay", SkipStream: true})
		require.NoError(t, err)
		n, err := audit.Replay(ctx, e.store, audit.ReplayParams{From: first, To: last, Notifier: replayer, Conn: nc})
		require.NoError(t, err)
		require.Equal(t, 40, n, "sessions r10-r19: an intake and a Complete each, for the agent and the integration side")

		var got2 []string
		for i := 0; i < n; i++ {
			select {
			case m := <-got:
				// The live id, without the change's tag (its hash).
				id := m.Header.Get(jetstream.MsgIDHeader)
				id = id[:strings.LastIndexByte(id, '/')]
				got2 = append(got2, m.Subject+" "+id)
			case <-time.After(5 * time.Second):
				t.Fatalf("%d of %d replayed", i, n)
			}
		}
		want := make([]string, 0, n)
		for i := 10; i < 20; i++ {
			id := "r" + strconv.Itoa(i)
			for _, v := range []string{"1", "3"} {
				want = append(want, "audit.replay.users.a1.facebooksession."+id+" "+sessionlog.StreamID(id)+":"+v,
					"audit.replay.integration.facebooksession."+id+" "+sessionlog.StreamID(id)+":"+v+":1:integration")
			}
		}
		require.Equal(t, want, got2, "in commit order, with the live ids")

		after, err := e.store.Checkpoint(ctx, &eventstore.CheckpointParams{Name: "notifier"})
		require.NoError(t, err)
		require.Equal(t, checkpoint, after, "the live checkpoint is untouched")
		select {
		case m := <-liveMsgs:
			t.Fatalf("the live subjects got %s", m.Subject)
		case <-time.After(100 * time.Millisecond):
		}
	})
}
