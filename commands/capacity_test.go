package commands_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/agentlog"
	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
)

func setCapacity(by string, administrator bool, n int) as.SetCapacity {
	return as.SetCapacity{Sender: as.Sender{Agent: "a1", By: by, Administrator: administrator}, Channel: as.ChannelFacebookSession, Capacity: n}
}

// An administrator sets an agent's capacity; the same value again
// appends nothing and answers no referenceId; the agent cannot set it,
// nor can anyone set it out of range.
func TestSetCapacity(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewAgentHandler(be.Store)
		admin := commands.Request{Actor: "alice"}

		out, err := h.Execute(ctx, admin, setCapacity("alice", true, 2))
		require.NoError(t, err)
		require.Positive(t, out.ReferenceID)
		require.Equal(t, 2, out.State.Capacity(as.ChannelFacebookSession))

		out, err = h.Execute(ctx, admin, setCapacity("alice", true, 2))
		require.NoError(t, err)
		require.Zero(t, out.ReferenceID, "nothing appended, nothing to refer to")
		require.Equal(t, 2, out.State.Capacity(as.ChannelFacebookSession))

		_, err = h.Execute(ctx, commands.Request{Actor: "a1"}, setCapacity("a1", false, 9))
		require.ErrorIs(t, err, as.ErrForbidden)
		_, err = h.Execute(ctx, admin, setCapacity("alice", true, -1))
		require.ErrorIs(t, err, as.ErrInvalidCapacity)

		events, err := be.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: agentlog.StreamID("a1")})
		require.NoError(t, err)
		require.Len(t, events, 1)
		require.Equal(t, as.TypeChannelCapacitySet, events[0].Type)
		meta, err := sessionlog.DecodeMetadata(events[0].Metadata)
		require.NoError(t, err)
		require.Equal(t, "alice", meta.Actor)
		require.Equal(t, as.OperationSetCapacity, meta.Operation)

		st, err := h.Channels(ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, 2, st.Capacity(as.ChannelFacebookSession))
	})
}

// A capacity found already set appends nothing, so no head check would
// catch a stale kept state: SetCapacity reads the stream, and a value
// another process changed since is set again.
func TestSetCapacityReadsPastTheCache(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		a, b := commands.NewAgentHandler(be.Store), commands.NewAgentHandler(be.Store)
		admin := commands.Request{Actor: "alice"}
		_, err := a.Execute(ctx, admin, setCapacity("alice", true, 2)) // a keeps 2
		require.NoError(t, err)
		_, err = b.Execute(ctx, admin, setCapacity("alice", true, 5))
		require.NoError(t, err)

		out, err := a.Execute(ctx, admin, setCapacity("alice", true, 2))
		require.NoError(t, err)
		require.Positive(t, out.ReferenceID, "2 was stale: it is set again")
		st, err := b.Channels(ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, 2, st.Capacity(as.ChannelFacebookSession))
	})
}
