package commands_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
)

// readRecording records the stream reads through a whole driver, whose
// views the handler's gate reads.
type readRecording struct {
	eventstore.Driver
	mu    sync.Mutex
	reads []eventstore.ReadStreamParams
}

func (s *readRecording) ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error) {
	s.mu.Lock()
	s.reads = append(s.reads, *p)
	s.mu.Unlock()
	return s.Driver.ReadStream(ctx, p)
}

func (s *readRecording) take() []eventstore.ReadStreamParams {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reads
	s.reads = nil
	return r
}

// Who may act on a session is known from its view: another agent's
// command, or one on no session, costs no read of a stream however long,
// even when the session is not kept (completed, or pushed out).
func TestAuthorizationBeforeCost(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		store := &readRecording{Driver: be.Store}
		h := commands.NewHandler(store, commands.WithCachedSessions(0))
		_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1"})
		require.NoError(t, err)
		for range 3 {
			_, err := h.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.SendMessage{By: "a1", Text: "hello"})
			require.NoError(t, err)
		}
		store.take()

		_, err = h.Operate(ctx, commands.Request{Actor: "a4"}, "s1", fb.InFocus{By: "a4"})
		require.ErrorIs(t, err, fb.ErrNotOwner)
		_, err = h.Operate(ctx, commands.Request{Actor: "a4"}, "nope", fb.InFocus{By: "a4"})
		require.ErrorIs(t, err, fb.ErrNotFound)
		_, err = h.Operate(ctx, commands.Request{Actor: "router"}, "nope", fb.CustomerMessage{Text: "x"})
		require.ErrorIs(t, err, fb.ErrNotFound)
		require.Empty(t, store.take(), "refused from the view alone")

		// The owner's command reads the stream, as before.
		_, err = h.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.InFocus{By: "a1"})
		require.NoError(t, err)
		require.Len(t, store.take(), 1)

		// A retry with a key is answered from the stream: the sender may
		// have lost the session since (a retried Transfer). What is read is
		// the key's use, a part of the stream at a time, never folded.
		r := commands.Request{Actor: "a1", IdempotencyKey: "t"}
		first, err := h.Operate(ctx, r, "s1", fb.Transfer{By: "a1", TargetAgent: "a2"})
		require.NoError(t, err)
		store.take()
		again, err := h.Operate(ctx, r, "s1", fb.Transfer{By: "a1", TargetAgent: "a2"})
		require.NoError(t, err)
		require.True(t, again.Replayed)
		require.Equal(t, first.ReferenceID, again.ReferenceID)
		_, err = h.Operate(ctx, r, "s1", fb.Transfer{By: "a1", TargetAgent: "a3"})
		require.ErrorIs(t, err, commands.ErrIdempotencyKeyReused, "the key with another request")
		for _, read := range store.take() {
			require.Positive(t, read.Limit, "a part at a time")
		}

		// Another agent's keyed command is refused, its key unknown.
		_, err = h.Operate(ctx, commands.Request{Actor: "a4", IdempotencyKey: "x"}, "s1", fb.InFocus{By: "a4"})
		require.ErrorIs(t, err, fb.ErrNotOwner)
		reads := store.take()
		require.NotEmpty(t, reads)
		for _, read := range reads {
			require.Positive(t, read.Limit, "a part at a time, however long the session")
		}
	})
}

// A conflict costs the events that won the race, not the whole stream.
func TestConflictReadsOnlyTheNewEvents(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		store := &readRecording{Driver: be.Store}
		a, b := commands.NewHandler(store), commands.NewHandler(be.Store)
		_, err := a.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1"})
		require.NoError(t, err)
		for range 5 { // another process appends; a's kept state is stale
			_, err := b.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.SendMessage{By: "a1", Text: "from b"})
			require.NoError(t, err)
		}
		store.take()
		res, err := a.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.SendMessage{By: "a1", Text: "from a"})
		require.NoError(t, err)
		require.Equal(t, 6, res.State.Messages, "decided on the caught-up state: the 6th message")
		reads := store.take()
		require.Len(t, reads, 1)
		require.Equal(t, int64(2), reads[0].FromVersion, "from the version after a's")

		// A slim state cannot take a change of the user data: read whole.
		_, err = b.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.UpdateUserData{By: "a1", UserData: []byte(`{"k":"v"}`)})
		require.NoError(t, err)
		_, err = a.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.InFocus{By: "a1"})
		require.NoError(t, err)
		reads = store.take()
		require.Len(t, reads, 2)
		require.Equal(t, int64(8), reads[0].FromVersion)
		require.Zero(t, reads[1].FromVersion, "then the whole stream")
	})
}

// failingCatchUp loses the first append race, then cannot read what won.
type failingCatchUp struct {
	eventstore.Driver
	appends int
}

var errStoreDown = errors.New("store down")

func (s *failingCatchUp) Append(ctx context.Context, p *eventstore.AppendParams) (*eventstore.AppendResult, error) {
	if s.appends++; s.appends == 1 {
		return nil, fmt.Errorf("%w: lost the race", eventstore.ErrConcurrency)
	}
	return s.Driver.Append(ctx, p)
}

func (s *failingCatchUp) ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error) {
	if p.FromVersion > 1 {
		return nil, errStoreDown
	}
	return s.Driver.ReadStream(ctx, p)
}

// A conflict whose catch-up cannot be read answers that error: the
// command is not decided again on no state (a 404 for a session that
// exists).
func TestConflictWhoseCatchUpFailsAnswersTheFailure(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		_, err := commands.NewHandler(be.Store).Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1"})
		require.NoError(t, err)
		h := commands.NewHandler(&failingCatchUp{Driver: be.Store})
		_, err = h.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.SendMessage{By: "a1", Text: "hi"})
		require.ErrorIs(t, err, errStoreDown)
		require.NotErrorIs(t, err, fb.ErrNotFound)
	})
}
