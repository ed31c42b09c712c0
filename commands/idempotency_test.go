package commands_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

// A key is scoped to its operation: the key of an intake, sent by the
// same user on a Complete, is a new request, not a replay of the intake.
func TestIdempotencyKeyIsScopedToTheOperation(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewHandler(be.Store)
		r := commands.Request{Actor: "a1", IdempotencyKey: "k"}
		_, err := h.Start(ctx, r, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1"})
		require.NoError(t, err)
		res, err := h.Operate(ctx, r, "s1", fb.Complete{By: r.Actor})
		require.NoError(t, err)
		require.False(t, res.Replayed)
		require.NotZero(t, res.ReferenceID)
		require.Equal(t, fb.StatusCompleted, res.State.Status)

		events, err := be.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID("s1")})
		require.NoError(t, err)
		for _, ev := range events {
			meta, err := sessionlog.DecodeMetadata(ev.Metadata)
			require.NoError(t, err)
			require.NotEmpty(t, meta.RequestHash)
			if ev.Type == fb.TypeSessionStarted {
				require.Equal(t, commands.OperationIntake, meta.Operation)
			} else {
				require.Equal(t, commands.OperationComplete, meta.Operation)
			}
		}
	})
}

// A Complete of a session that is not the caller's is refused whatever
// key it carries, even one the caller used on that session before.
func TestIdempotencyKeyNeverAnswersForAnotherAgentsSession(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewHandler(be.Store)
		r := commands.Request{Actor: "router", IdempotencyKey: "k"}
		_, err := h.Start(ctx, r, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1"})
		require.NoError(t, err)
		_, err = h.Operate(ctx, r, "s1", fb.Complete{By: r.Actor})
		require.ErrorIs(t, err, fb.ErrNotOwner)
		_, err = h.Operate(ctx, r, "nope", fb.Complete{By: r.Actor})
		require.ErrorIs(t, err, fb.ErrNotFound)
	})
}

// The same key with another request is refused; a request fingerprinted
// by events written before fingerprints were (no hash, no operation) is
// taken for a retry, as it was then.
func TestIdempotencyKeyReusedWithAnotherRequest(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewHandler(be.Store)
		intake := commands.Request{Actor: "router", IdempotencyKey: "i"}
		_, err := h.Start(ctx, intake, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1", Comment: "x"})
		require.NoError(t, err)
		_, err = h.Start(ctx, intake, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1", Comment: "y"})
		require.ErrorIs(t, err, commands.ErrIdempotencyKeyReused)
		res, err := h.Start(ctx, intake, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1", Comment: "x", FacebooksessionType: fb.DefaultType, UserData: []byte(`{}`)})
		require.NoError(t, err, "defaults spelled out are the same request")
		require.True(t, res.Replayed)

		q := "Q"
		r := commands.Request{Actor: "a1", IdempotencyKey: "c"}
		first, err := h.Operate(ctx, r, "s1", fb.Complete{By: r.Actor})
		require.NoError(t, err)
		for _, other := range []*commands.Handler{h, commands.NewHandler(be.Store)} { // cached, and read from the stream
			_, err = other.Operate(ctx, r, "s1", fb.Complete{By: r.Actor, QueueName: &q})
			require.ErrorIs(t, err, commands.ErrIdempotencyKeyReused)
			again, err := other.Operate(ctx, r, "s1", fb.Complete{By: r.Actor})
			require.NoError(t, err)
			require.Equal(t, first.ReferenceID, again.ReferenceID)
		}

		// Events from before: a key with neither operation nor hash.
		appendOld(t, be.Store, "old", 0, fb.SessionStarted{SessionID: "old", AgentID: "a1", FacebooksessionType: "Inbound", UserData: []byte(`{}`), Participants: []fb.Participant{}}, sessionlog.Metadata{Actor: "router", IdempotencyKey: "i"})
		res, err = h.Start(ctx, intake, fb.Start{Status: fb.StatusChatting, SessionID: "old", AgentID: "a1", Comment: "anything"})
		require.NoError(t, err)
		require.True(t, res.Replayed, "an old intake's key is an intake's, matching any body")
		res, err = h.Operate(ctx, commands.Request{Actor: "a1", IdempotencyKey: "i"}, "old", fb.Complete{By: "a1"})
		require.NoError(t, err)
		require.False(t, res.Replayed, "the old key was an intake's, not the agent's")
	})
}

func appendOld(t *testing.T, s eventstore.Store, id string, version int64, e fb.Event, m sessionlog.Metadata) {
	t.Helper()
	body, err := sessionlog.Encode(e)
	require.NoError(t, err)
	meta, err := sessionlog.EncodeMetadata(m)
	require.NoError(t, err)
	// The view every append writes, so that the gate sees the session: of
	// the event as it is read back (upcast).
	stored, err := sessionlog.Decode(e.EventType(), sessionlog.SchemaVersion, body)
	require.NoError(t, err)
	view, err := sessionview.Snapshot{}.Evolve([]fb.Event{stored}).View()
	require.NoError(t, err)
	_, err = s.Append(context.Background(), &eventstore.AppendParams{
		StreamID: sessionlog.StreamID(id), ExpectedVersion: version,
		Events: []eventstore.EventData{{Type: e.EventType(), SchemaVersion: sessionlog.SchemaVersion, Data: body, Metadata: meta}},
		View:   view,
	})
	require.NoError(t, err)
}

// A bad request is refused as such whatever the session: input is judged
// before the caller's right to the session, as the aggregate does.
func TestCompleteJudgesInputBeforeOwnership(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewHandler(be.Store)
		start(t, h, "s1")
		empty := ""
		for _, id := range []string{"s1", "nope"} {
			_, err := h.Operate(ctx, commands.Request{Actor: "a2", IdempotencyKey: "k"}, id, fb.Complete{By: "a2", QueueName: &empty})
			require.ErrorIs(t, err, fb.ErrInvalid, id)
		}
	})
}

// A retried handover gets its first answer, although the session is no
// longer the sender's, and appends nothing: the key is theirs.
func TestIdempotencyKeyAnswersARetriedHandover(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewHandler(be.Store)
		router := commands.Request{Actor: "router"}
		for _, tc := range []struct {
			id     string
			status fb.Status
			cmd    fb.Command
		}{
			{"reject", fb.StatusInvited, fb.Reject{By: "a1"}},
			{"leave", fb.StatusChatting, fb.Leave{By: "a1"}},
			{"transfer", fb.StatusChatting, fb.Transfer{By: "a1", TargetAgent: "a2"}},
			{"queue", fb.StatusChatting, fb.Transfer{By: "a1", QueueName: ptr("Q.1")}},
			{"delete", fb.StatusChatting, fb.DeleteUserData{By: "a1", Keys: []string{"b", "a"}}},
		} {
			_, err := h.Start(ctx, router, fb.Start{Status: tc.status, SessionID: tc.id, AgentID: "a1"})
			require.NoError(t, err)
			r := commands.Request{Actor: "a1", IdempotencyKey: "k-" + tc.id}
			first, err := h.Operate(ctx, r, tc.id, tc.cmd)
			require.NoError(t, err, tc.id)
			again, err := h.Operate(ctx, r, tc.id, tc.cmd)
			require.NoError(t, err, tc.id)
			require.True(t, again.Replayed, tc.id)
			require.Equal(t, first.ReferenceID, again.ReferenceID, tc.id)
			events, err := be.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(tc.id)})
			require.NoError(t, err)
			require.Len(t, events, 2, tc.id)
		}
		// The keys of a DeleteUserData in another order: the same request.
		res, err := h.Operate(ctx, commands.Request{Actor: "a1", IdempotencyKey: "k-delete"}, "delete", fb.DeleteUserData{By: "a1", Keys: []string{"a", "b"}})
		require.NoError(t, err)
		require.True(t, res.Replayed)
		// Another agent presenting a key it never used is still refused.
		_, err = h.Operate(ctx, commands.Request{Actor: "a3", IdempotencyKey: "k-transfer"}, "transfer", fb.Accept{By: "a3", Nickname: "x"})
		require.ErrorIs(t, err, fb.ErrNotOwner)
	})
}

func ptr[T any](v T) *T { return &v }
