package eventstoretest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testAppend(t *testing.T, h Harness) {
	t.Run("RoundTrip", func(t *testing.T) { appendRoundTrip(t, h) })

	t.Run("ReadStreams", func(t *testing.T) { appendReadStreams(t, h) })

	t.Run("UnknownStream", func(t *testing.T) { appendUnknownStream(t, h) })

	t.Run("ExpectedVersion", func(t *testing.T) { appendExpectedVersion(t, h) })

	t.Run("ClaimedHead", func(t *testing.T) { appendClaimedHead(t, h) })

	t.Run("DuplicateEventID", func(t *testing.T) { appendDuplicateEventID(t, h) })

	t.Run("InvalidParams", func(t *testing.T) { appendInvalidParams(t, h) })
}

func appendRoundTrip(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	id := uuid.Must(uuid.NewV7())
	p := appendParams("rt", eventstore.NoStream, 2)
	p.Events[0].ID = id
	before := time.Now().Add(-time.Second)
	res, err := s.Append(ctx, p)
	require.NoError(t, err)
	require.Len(t, res.Events, 2)
	require.Equal(t, int64(2), res.Version())
	require.Equal(t, id, res.Events[0].ID)
	require.NotEqual(t, uuid.Nil, res.Events[1].ID, "the store gives an id to an event without one")

	got, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: "rt"})
	require.NoError(t, err)
	require.Equal(t, res.Events, got, "read back exactly as the append recorded")
	for i, e := range got {
		require.Equal(t, int64(i+1), e.Version)
		require.Equal(t, "TestEvent", e.Type)
		require.Equal(t, 1, e.SchemaVersion)
		require.Equal(t, p.Events[i].Data, e.Data, "data is stored byte for byte")
		require.Equal(t, p.Events[i].Metadata, e.Metadata)
		require.Len(t, e.Hash, eventstore.HashSize)
		require.True(t, e.RecordedAt.After(before) && e.RecordedAt.Before(time.Now().Add(time.Second)))
		require.Equal(t, time.UTC, e.RecordedAt.Location())
	}
	require.Less(t, got[0].Position, got[1].Position)

	res, err = s.Append(ctx, appendParams("rt", 2, 1))
	require.NoError(t, err)
	require.Equal(t, int64(3), res.Version())
	tail, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: "rt", FromVersion: 3})
	require.NoError(t, err)
	require.Equal(t, res.Events, tail)

	// A part at a time: Limit caps the events, from FromVersion.
	part, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: "rt", FromVersion: 2, Limit: 1})
	require.NoError(t, err)
	require.Len(t, part, 1)
	require.Equal(t, int64(2), part[0].Version)
	all, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: "rt", Limit: 10})
	require.NoError(t, err)
	require.Len(t, all, 3)
}

func appendReadStreams(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	var want []eventstore.RecordedEvent
	for _, stream := range []string{"m-b", "m-a", "m-c"} {
		res, err := s.Append(ctx, appendParams(stream, eventstore.NoStream, 2))
		require.NoError(t, err)
		if stream != "m-c" {
			want = append(want, res.Events...)
		}
	}
	got, err := s.ReadStreams(ctx, &eventstore.ReadStreamsParams{StreamIDs: []string{"m-b", "m-a", "m-none"}})
	require.NoError(t, err)
	require.Equal(t, append(want[2:], want[:2]...), got, "ordered by stream, then version")
	none, err := s.ReadStreams(ctx, &eventstore.ReadStreamsParams{})
	require.NoError(t, err)
	require.Empty(t, none)
}

func appendUnknownStream(t *testing.T, h Harness) {
	t.Parallel()
	s := h.New(t)
	_, err := s.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: "nope"})
	require.ErrorIs(t, err, eventstore.ErrNotFound)
}

func appendExpectedVersion(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	_, err := s.Append(ctx, appendParams("ev", 1, 1))
	requireConflict(t, err, 1, 0)

	_, err = s.Append(ctx, appendParams("ev", eventstore.NoStream, 2))
	require.NoError(t, err)
	_, err = s.Append(ctx, appendParams("ev", eventstore.NoStream, 1))
	requireConflict(t, err, 0, 2)
	_, err = s.Append(ctx, appendParams("ev", 1, 1))
	requireConflict(t, err, 1, 2)
	_, err = s.Append(ctx, appendParams("ev", 3, 1))
	requireConflict(t, err, 3, 2)

	got, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: "ev"})
	require.NoError(t, err)
	require.Len(t, got, 2, "failed appends appended nothing")
}

func appendClaimedHead(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	first, err := s.Append(ctx, appendParams("head", eventstore.NoStream, 2))
	require.NoError(t, err)
	head := first.Events[1].Hash

	p := appendParams("head", 2, 1)
	p.Head = head
	p.View = &eventstore.View{ListKey: "a1", Document: []byte(`{"v":3}`)}
	res, err := s.Append(ctx, p)
	require.NoError(t, err)
	require.NoError(t, eventstore.VerifyStream(append(first.Events, res.Events...)))

	for _, bad := range []*eventstore.AppendParams{
		{StreamID: "head", ExpectedVersion: 3, Head: make([]byte, eventstore.HashSize)}, // wrong hash
		{StreamID: "head", ExpectedVersion: 2, Head: head},                              // stale: the stream moved on
		{StreamID: "head", ExpectedVersion: 5, Head: head},                              // ahead of the stream
	} {
		bad.Events = events("head", 1)
		bad.View = &eventstore.View{ListKey: "a1", Document: []byte(`{"v":"bad"}`)}
		_, err := s.Append(ctx, bad)
		require.ErrorIs(t, err, eventstore.ErrConcurrency)
	}
	all, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: "head"})
	require.NoError(t, err)
	require.Len(t, all, 3, "nothing appended")
	require.NoError(t, eventstore.VerifyStream(all))
	v, err := s.View(ctx, &eventstore.ViewParams{StreamID: "head"})
	require.NoError(t, err)
	require.JSONEq(t, `{"v":3}`, string(v.Document), "nor the view written")
}

func appendDuplicateEventID(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	p := appendParams("dup-a", eventstore.NoStream, 1)
	p.Events[0].ID = uuid.Must(uuid.NewV7())
	_, err := s.Append(ctx, p)
	require.NoError(t, err)
	q := appendParams("dup-b", eventstore.NoStream, 2)
	q.Events[1].ID = p.Events[0].ID
	_, err = s.Append(ctx, q)
	require.ErrorIs(t, err, eventstore.ErrDuplicateEvent)
	_, err = s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: "dup-b"})
	require.ErrorIs(t, err, eventstore.ErrNotFound, "a failed append is all or nothing")
}

func appendInvalidParams(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	for _, p := range []*eventstore.AppendParams{
		{StreamID: "", Events: events("x", 1)},
		{StreamID: "x"},
		{StreamID: "x", ExpectedVersion: -1, Events: events("x", 1)},
		{StreamID: "x", Events: []eventstore.EventData{{Data: []byte(`{}`)}}},
	} {
		_, err := s.Append(ctx, p)
		require.ErrorIs(t, err, eventstore.ErrInvalid)
	}
}

func requireConflict(t *testing.T, err error, expected, actual int64) {
	t.Helper()
	require.ErrorIs(t, err, eventstore.ErrConcurrency)
	var ce *eventstore.ConcurrencyError
	require.True(t, errors.As(err, &ce), "a *ConcurrencyError, got %T", err)
	require.Equal(t, expected, ce.Expected)
	require.Equal(t, actual, ce.Actual)
}
