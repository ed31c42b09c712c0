package commands_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
)

// barrierStore counts the durability barriers asked of it, and fails
// them with err: a synchronous standby that does not answer.
type barrierStore struct {
	eventstore.Driver
	barriers atomic.Int64
	err      error
}

func (s *barrierStore) Durable(ctx context.Context) error {
	s.barriers.Add(1)
	if s.err != nil {
		return s.err
	}
	if d, ok := s.Driver.(eventstore.Durability); ok {
		return d.Durable(ctx) // PostgreSQL's own barrier
	}
	return nil
}

// A replay answers only once the change it answers from is durable: it
// waits for the store's barrier, and answers the barrier's failure (a 503),
// not the replay, when the change cannot be shown durable. Commands that
// are not replays ask no barrier.
func TestReplayWaitsUntilTheChangeIsDurable(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		store := &barrierStore{Driver: be.Store}
		h := commands.NewHandler(store)
		r := commands.Request{Actor: "a1", IdempotencyKey: "k"}
		_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1"})
		require.NoError(t, err)
		first, err := h.Operate(ctx, r, "s1", fb.Complete{By: "a1"})
		require.NoError(t, err)
		require.Zero(t, store.barriers.Load(), "no barrier on the Complete path")

		again, err := commands.NewHandler(store).Operate(ctx, r, "s1", fb.Complete{By: "a1"})
		require.NoError(t, err)
		require.True(t, again.Replayed)
		require.Equal(t, first.ReferenceID, again.ReferenceID)
		require.Equal(t, int64(1), store.barriers.Load())

		store.err = errors.Join(eventstore.ErrUnavailable, context.DeadlineExceeded)
		_, err = commands.NewHandler(store).Operate(ctx, r, "s1", fb.Complete{By: "a1"})
		require.ErrorIs(t, err, eventstore.ErrUnavailable, "not a 200 from a change that may be lost")
	})
}
