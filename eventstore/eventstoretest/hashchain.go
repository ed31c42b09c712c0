package eventstoretest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testHashChain(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	for v := int64(0); v < 4; v++ {
		_, err := s.Append(ctx, appendParams("chain", v, 1))
		require.NoError(t, err)
	}
	_, err := s.Append(ctx, appendParams("other", eventstore.NoStream, 2))
	require.NoError(t, err)

	read := func(stream string) []eventstore.RecordedEvent {
		events, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: stream})
		require.NoError(t, err)
		return events
	}
	chain := read("chain")
	require.NoError(t, eventstore.VerifyStream(chain))
	require.NoError(t, eventstore.VerifyStream(read("other")))

	h.EditData(t, s, "chain", 3, []byte(`{"tag":"forged"}`))
	err = eventstore.VerifyStream(read("chain"))
	require.ErrorIs(t, err, eventstore.ErrTampered)
	var ce *eventstore.ChainError
	require.True(t, errors.As(err, &ce))
	require.Equal(t, int64(3), ce.Version)
	require.Equal(t, chain[2].Position, ce.Position)
	require.NoError(t, eventstore.VerifyStream(read("other")), "other streams are unaffected")
}
