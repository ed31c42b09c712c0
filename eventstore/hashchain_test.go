package eventstore_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

// chain seals n events of one stream as a driver would, with positions.
func chain(t *testing.T, n int) []eventstore.RecordedEvent {
	t.Helper()
	p := &eventstore.AppendParams{StreamID: "s"}
	for i := 0; i < n; i++ {
		p.Events = append(p.Events, eventstore.EventData{Type: "T", SchemaVersion: 1, Data: []byte(`{"i":` + string(rune('0'+i)) + `}`)})
	}
	events, err := eventstore.Seal(p, nil, time.Date(2026, 11, 24, 0, 0, 0, 1999, time.UTC))
	require.NoError(t, err)
	for i := range events {
		events[i].Position = int64(10 * (i + 1))
	}
	return events
}

func TestSeal(t *testing.T) {
	t.Parallel()
	events := chain(t, 3)
	require.NoError(t, eventstore.VerifyStream(events))
	for i, e := range events {
		require.Equal(t, int64(i+1), e.Version)
		require.NotEqual(t, uuid.Nil, e.ID)
		require.Equal(t, []byte("{}"), e.Metadata)
		require.Equal(t, 1000, e.RecordedAt.Nanosecond(), "truncated to the microsecond")
	}
}

func TestVerifyStreamFindsTheFirstBadEvent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		tamper  func([]eventstore.RecordedEvent) []eventstore.RecordedEvent
		version int64
	}{
		{"edited data", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			e[1].Data = []byte(`{"i":9}`)
			return e
		}, 2},
		{"edited metadata", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			e[2].Metadata = []byte(`{"actor":"mallory"}`)
			return e
		}, 3},
		{"edited time", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			e[0].RecordedAt = e[0].RecordedAt.Add(time.Microsecond)
			return e
		}, 1},
		{"deleted event", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			return append(e[:1], e[2:]...)
		}, 3},
		{"swapped events", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			e[1], e[2] = e[2], e[1]
			return e
		}, 3},
		{"renumbered after a deletion", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			e = append(e[:1], e[2:]...)
			e[1].Version = 2
			return e
		}, 2},
		{"positions reordered", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			e[1].Position, e[2].Position = e[2].Position, e[1].Position
			return e
		}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := eventstore.VerifyStream(tc.tamper(chain(t, 3)))
			require.ErrorIs(t, err, eventstore.ErrTampered)
			var ce *eventstore.ChainError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.version, ce.Version)
		})
	}
}

func TestCursorOrder(t *testing.T) {
	t.Parallel()
	require.True(t, eventstore.Cursor{Commit: 1, Position: 9}.Before(eventstore.Cursor{Commit: 2, Position: 1}))
	require.True(t, eventstore.Cursor{Commit: 2, Position: 1}.Before(eventstore.Cursor{Commit: 2, Position: 2}))
	require.False(t, eventstore.Cursor{Commit: 2, Position: 2}.Before(eventstore.Cursor{Commit: 2, Position: 2}))
	require.True(t, eventstore.Start.Before(eventstore.Cursor{Position: 1}))
}
