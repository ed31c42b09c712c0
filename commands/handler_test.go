package commands_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/users"
)

func start(t *testing.T, h *commands.Handler, id string) {
	t.Helper()
	_, err := h.Start(context.Background(), commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1"})
	require.NoError(t, err)
}

// Two handlers are two service processes on one store: each caches what it
// saw, and the store's head check keeps a stale cache from doing harm.
func TestStaleCacheNeverCompletesTwice(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		s := be.Store
		ctx := context.Background()
		a, b := commands.NewHandler(s), commands.NewHandler(s)
		start(t, a, "s1") // a caches s1 as Chatting

		_, err := b.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
		require.NoError(t, err)
		_, err = a.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
		require.ErrorIs(t, err, fb.ErrInvalidState, "a's stale cache is caught by the head check")

		events, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID("s1")})
		require.NoError(t, err)
		require.Len(t, events, 3)
		require.NoError(t, eventstore.VerifyStream(events))
	})
}

func TestIdempotencyKeyAcrossProcesses(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		s := be.Store
		ctx := context.Background()
		a, b := commands.NewHandler(s), commands.NewHandler(s)
		start(t, a, "s1")
		start(t, a, "s2")
		r := commands.Request{Actor: "a1", IdempotencyKey: "k"}

		first, err := b.Operate(ctx, r, "s1", fb.Complete{By: r.Actor})
		require.NoError(t, err)
		// The retry lands on the other process, whose cache predates it.
		again, err := a.Operate(ctx, r, "s1", fb.Complete{By: r.Actor})
		require.NoError(t, err)
		require.True(t, again.Replayed)
		require.Equal(t, first.ReferenceID, again.ReferenceID)
		// And on the same process, from its cache.
		again, err = b.Operate(ctx, r, "s1", fb.Complete{By: r.Actor})
		require.NoError(t, err)
		require.Equal(t, first.ReferenceID, again.ReferenceID)

		// A key is per session and per user.
		other, err := a.Operate(ctx, r, "s2", fb.Complete{By: r.Actor})
		require.NoError(t, err)
		require.False(t, other.Replayed)
		require.NotEqual(t, first.ReferenceID, other.ReferenceID)

		events, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID("s1")})
		require.NoError(t, err)
		require.Len(t, events, 3, "replays append nothing")
	})
}

// readCounting counts stream reads.
type readCounting struct {
	commands.Store
	reads int
}

func (s *readCounting) ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error) {
	s.reads++
	return s.Store.ReadStream(ctx, p)
}

// A Complete of a session the handler keeps costs no read of its stream;
// one pushed out of a smaller cache does.
func TestCachedSessionsBoundTheReads(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		s := be.Store
		ctx := context.Background()
		for _, tc := range []struct {
			cached, wantReads int
		}{{cached: 2, wantReads: 0}, {cached: 1, wantReads: 1}} {
			store := &readCounting{Store: s}
			h := commands.NewHandler(store, commands.WithCachedSessions(tc.cached))
			a, b := fmt.Sprintf("c%d-a", tc.cached), fmt.Sprintf("c%d-b", tc.cached)
			start(t, h, a)
			start(t, h, b)
			store.reads = 0
			for _, id := range []string{a, b} {
				_, err := h.Operate(ctx, commands.Request{Actor: "a1"}, id, fb.Complete{By: "a1"})
				require.NoError(t, err)
			}
			require.Equal(t, tc.wantReads, store.reads, "cache of %d", tc.cached)
		}
	})
}

// Intake hands sessions only to enabled agents, before anything else is
// judged (a taken id, a retry), and appends nothing when it refuses.
func TestStartRequiresAnEnabledAgent(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		for _, u := range []users.User{
			{ID: "a1", UserName: "agent1", Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}},
			{ID: "gone", UserName: "gone", Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}, Disabled: true},
			{ID: "sup", UserName: "sup", Roles: []users.Role{users.RoleSupervisor}, Features: []string{users.FeatureMultimedia}},
			// Offered a session, they could neither accept nor reject it.
			{ID: "nofeature", UserName: "nofeature", Roles: []users.Role{users.RoleAgent}},
		} {
			require.NoError(t, b.Users.Add(ctx, u, "correct horse"))
		}
		h := commands.NewHandler(b.Store, commands.WithAgents(b.Users))
		r := commands.Request{Actor: "router"}
		for _, agent := range []string{"nobody", "gone", "sup", "nofeature"} {
			_, err := h.Start(ctx, r, fb.Start{Status: fb.StatusChatting, SessionID: "s-" + agent, AgentID: agent})
			require.ErrorIs(t, err, users.ErrNotAgent, agent)
			_, err = b.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID("s-" + agent)})
			require.ErrorIs(t, err, eventstore.ErrNotFound, "nothing appended for %s", agent)
		}
		_, err := h.Start(ctx, r, fb.Start{Status: fb.StatusChatting, SessionID: "s-x", AgentID: "a 1"})
		require.ErrorIs(t, err, fb.ErrInvalid, "an id that is not one is the aggregate's to reject")
		retry := commands.Request{Actor: "router", IdempotencyKey: "k"}
		_, err = h.Start(ctx, retry, fb.Start{Status: fb.StatusChatting, SessionID: "s-a1", AgentID: "a1"})
		require.NoError(t, err)
		_, err = h.Start(ctx, r, fb.Start{Status: fb.StatusChatting, SessionID: "s-a1", AgentID: "nobody"})
		require.ErrorIs(t, err, users.ErrNotAgent, "the agent is checked before the id is judged taken")
		require.NoError(t, b.Users.SetDisabled(ctx, "a1", true))
		_, err = h.Start(ctx, retry, fb.Start{Status: fb.StatusChatting, SessionID: "s-a1", AgentID: "a1"})
		require.ErrorIs(t, err, users.ErrNotAgent, "a retry for an agent disabled since is refused too")
	})
}
