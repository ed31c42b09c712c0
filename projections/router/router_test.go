package router_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections/router"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/users"
)

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

// center is a store with two agents, a and b, Ready with capacity 2 in
// queue Q, and the handlers a router and the test share.
type center struct {
	t        *testing.T
	b        *storetest.Backend
	sessions *commands.Handler
	agents   *commands.AgentHandler
	queues   *commands.QueueHandler
}

func newCenter(t *testing.T, b *storetest.Backend) *center {
	t.Helper()
	ctx := context.Background()
	clock := commands.WithClock(b.Clock.Now)
	c := &center{t: t, b: b,
		sessions: commands.NewHandler(b.Store, clock),
		agents:   commands.NewAgentHandler(b.Store, clock),
		queues:   commands.NewQueueHandler(b.Store, nil, clock),
	}
	_, err := c.queues.Add(ctx, commands.Request{Actor: "admin"}, queue.Add{Name: "Q", OfferTimeoutSeconds: 30, By: "admin"})
	require.NoError(t, err)
	_, err = c.queues.Execute(ctx, commands.Request{Actor: "admin"}, "Q", queue.AddMembers{Agents: []string{"a", "b"}, By: "admin"})
	require.NoError(t, err)
	for _, id := range []string{"a", "b"} {
		c.agent(as.SetCapacity{Sender: as.Sender{Agent: id, By: "admin", Administrator: true}, Channel: as.ChannelFacebookSession, Capacity: 2})
		c.agent(as.StartSession{Sender: as.Sender{Agent: id, By: id}, Channels: []string{as.ChannelFacebookSession}})
		c.agent(as.SetReady{Sender: as.Sender{Agent: id, By: id}, Channel: as.ChannelFacebookSession})
		b.Clock.Advance(time.Second) // a Ready first: idle longer
	}
	return c
}

func (c *center) agent(cmd as.Command) {
	c.t.Helper()
	_, err := c.agents.Execute(context.Background(), commands.Request{Actor: cmd.From().By}, cmd)
	require.NoError(c.t, err)
}

func (c *center) intake(id string) {
	c.t.Helper()
	_, err := c.sessions.Start(context.Background(), commands.Request{Actor: "connector"}, fb.Start{SessionID: id, QueueName: "Q"})
	require.NoError(c.t, err)
}

func (c *center) operate(id string, cmd fb.Command) {
	c.t.Helper()
	_, err := c.sessions.Operate(context.Background(), commands.Request{Actor: "x"}, id, cmd)
	require.NoError(c.t, err)
}

// router starts a router on the center's store; its stop waits for it.
func (c *center) router() (stop func()) {
	c.t.Helper()
	r, err := router.New(router.Config{Store: c.b.Store, Sessions: c.sessions, Agents: c.agents, Now: c.b.Clock.Now,
		LeaseRetry: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(c.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	c.t.Cleanup(stop)
	return stop
}

// offers are the agents each session was offered to, in order, as its
// stream has them.
func (c *center) offers(id string) []string {
	c.t.Helper()
	records, err := c.b.Store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	require.NoError(c.t, err)
	var out []string
	for i := range records {
		if records[i].Type != fb.TypeSessionRouted {
			continue
		}
		e, err := sessionlog.Decode(records[i].Type, records[i].SchemaVersion, records[i].Data)
		require.NoError(c.t, err)
		out = append(out, e.(fb.SessionRouted).AgentID)
	}
	return out
}

func (c *center) state(id string) fb.State {
	c.t.Helper()
	records, err := c.b.Store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	require.NoError(c.t, err)
	s, err := sessionlog.FoldRecords(records)
	require.NoError(c.t, err)
	return s
}

// eventually waits for the router to have made the stream say what
// want checks.
func (c *center) eventually(want func() bool, what string) {
	c.t.Helper()
	require.Eventually(c.t, want, 10*time.Second, 10*time.Millisecond, what)
}

func TestRouterRunsTheWalk(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{ClockAt: t0}, func(t *testing.T, b *storetest.Backend) {
		c := newCenter(t, b)
		c.router()
		ids := []string{"s1", "s2", "s3", "s4", "s5"}
		for _, id := range ids {
			c.intake(id)
			b.Clock.Advance(time.Second)
		}
		// Four offered, spread over a and b; the fifth waits.
		// Offers are appended in parallel: wait for all four.
		c.eventually(func() bool {
			for _, id := range ids[:4] {
				if len(c.offers(id)) == 0 {
					return false
				}
			}
			return true
		}, "four offered")
		got := map[string]string{}
		for _, id := range ids[:4] {
			require.Len(t, c.offers(id), 1, id)
			got[id] = c.offers(id)[0]
		}
		require.Equal(t, map[string]string{"s1": "a", "s2": "b", "s3": "a", "s4": "b"}, got)
		require.Empty(t, c.offers("s5"))

		// a accepts s1 and completes it: s5 goes to a at once.
		c.operate("s1", fb.Accept{By: "a", Nickname: "A"})
		require.Empty(t, c.offers("s5"), "an accepted offer keeps its place")
		c.operate("s1", fb.Complete{By: "a"})
		c.eventually(func() bool { return len(c.offers("s5")) == 1 }, "s5 offered")
		require.Equal(t, []string{"a"}, c.offers("s5"))

		// b goes NotReady; a lets s3 time out: s3 waits, a goes NotReady
		// with NoAnswer. When b is Ready again, s3 goes to b.
		c.agent(as.SetNotReady{Sender: as.Sender{Agent: "b", By: "b"}, Channel: as.ChannelFacebookSession})
		c.operate("s2", fb.Accept{By: "b", Nickname: "B"})
		c.operate("s4", fb.Accept{By: "b", Nickname: "B"})
		c.operate("s5", fb.Accept{By: "a", Nickname: "A"})
		b.Clock.Advance(31 * time.Second)
		c.eventually(func() bool { return c.state("s3").Status == fb.StatusCompleted }, "s3 timed out")
		noAnswer := as.Channel{Name: as.ChannelFacebookSession, Status: as.StatusNotReady, ReasonCode: router.ReasonNoAnswer}
		c.eventually(func() bool {
			channels, err := c.agents.Channels(context.Background(), "a")
			require.NoError(t, err)
			ch, _ := channels.Channel(as.ChannelFacebookSession)
			return ch == noAnswer
		}, "a NotReady with NoAnswer")
		c.operate("s4", fb.Complete{By: "b"})
		c.agent(as.SetReady{Sender: as.Sender{Agent: "b", By: "b"}, Channel: as.ChannelFacebookSession})
		c.eventually(func() bool { return len(c.offers("s3")) == 2 }, "s3 offered again")
		require.Equal(t, []string{"a", "b"}, c.offers("s3"))
	})
}

func TestARestartedRouterOffersEachWaitingSessionOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{ClockAt: t0}, func(t *testing.T, b *storetest.Backend) {
		c := newCenter(t, b)
		c.agent(as.SetNotReady{Sender: as.Sender{Agent: "a", By: "a"}, Channel: as.ChannelFacebookSession})
		c.agent(as.SetNotReady{Sender: as.Sender{Agent: "b", By: "b"}, Channel: as.ChannelFacebookSession})
		stop := c.router()
		for i := range 6 {
			c.intake(fmt.Sprintf("w%d", i))
		}
		stop() // dies with six sessions waiting and nobody Ready
		c.agent(as.SetReady{Sender: as.Sender{Agent: "a", By: "a"}, Channel: as.ChannelFacebookSession})
		// Two routers, as two processes: one takes the lease, both
		// follow; each session is still offered once.
		c.router()
		c.router()
		c.agent(as.SetReady{Sender: as.Sender{Agent: "b", By: "b"}, Channel: as.ChannelFacebookSession})
		c.eventually(func() bool {
			n := 0
			for i := range 6 {
				n += len(c.offers(fmt.Sprintf("w%d", i)))
			}
			return n == 4
		}, "four offered: two places each")
		time.Sleep(200 * time.Millisecond) // room for a wrong second offer
		for i := range 6 {
			require.LessOrEqual(t, len(c.offers(fmt.Sprintf("w%d", i))), 1)
		}
		require.Len(t, c.offers("w0"), 1, "oldest first")
		require.Empty(t, c.offers("w5"))
	})
}

// notAgents refuses the agents it names, as the directory does a
// disabled user, or one whose agent role or api-multimedia was taken.
type notAgents map[string]bool

func (n notAgents) RequireAgent(_ context.Context, id string) error {
	if n[id] {
		return fmt.Errorf("%w: %s", users.ErrNotAgent, id)
	}
	return nil
}

// flaky is a directory that is unavailable once.
type flaky struct{ failed *atomic.Bool }

func (f flaky) RequireAgent(context.Context, string) error {
	if f.failed.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: the database is restarting", users.ErrUnavailable)
	}
	return nil
}

// runRouter runs a router with its own handlers on the center's store.
func (c *center) runRouter(sessions *commands.Handler, agents *commands.AgentHandler) {
	c.t.Helper()
	r, err := router.New(router.Config{Store: c.b.Store, Sessions: sessions, Agents: agents, Now: c.b.Clock.Now,
		LeaseRetry: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(c.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	c.t.Cleanup(func() { cancel(); <-done })
}

// A Ready member the directory no longer takes (disabled: still Ready in
// their stream) is passed over, not chosen again at every pass.
func TestARefusedAgentDoesNotHoldTheQueue(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{ClockAt: t0})
	c := newCenter(t, b)
	c.runRouter(commands.NewHandler(b.Store, commands.WithClock(b.Clock.Now), commands.WithAgents(notAgents{"a": true})), c.agents)
	c.intake("s1")
	c.eventually(func() bool { return len(c.offers("s1")) == 1 }, "s1 offered")
	require.Equal(t, []string{"b"}, c.offers("s1"))
}

// The NoAnswer owed survives a failure to set it: the log says it is
// owed until the agent's channel moves.
func TestNoAnswerIsSetEvenAfterAFailure(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{ClockAt: t0})
	c := newCenter(t, b)
	var failed atomic.Bool
	c.runRouter(c.sessions, commands.NewAgentHandler(b.Store, commands.WithClock(b.Clock.Now), commands.WithAgents(flaky{&failed})))
	c.intake("s1")
	c.eventually(func() bool { return len(c.offers("s1")) == 1 }, "s1 offered")
	b.Clock.Advance(31 * time.Second)
	c.eventually(func() bool {
		channels, err := c.agents.Channels(context.Background(), "a")
		require.NoError(t, err)
		ch, _ := channels.Channel(as.ChannelFacebookSession)
		return ch.ReasonCode == router.ReasonNoAnswer
	}, "a NotReady with NoAnswer")
	require.True(t, failed.Load(), "the first attempt failed")
}
