package agentlog_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/agentlog"
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/eventstore"
)

// The stored form of a capacity is the log's: its type name and fields
// never change, and a capacity of 0 is written, not left out.
func TestCapacityStoredForm(t *testing.T) {
	t.Parallel()
	d, err := agentlog.EventData(as.ChannelCapacitySet{Channel: "facebooksession", Capacity: 0})
	require.NoError(t, err)
	require.Equal(t, "ChannelCapacitySet", d.Type)
	require.Equal(t, 1, d.SchemaVersion)
	require.JSONEq(t, `{"channel":"facebooksession","capacity":0}`, string(d.Data))
}

// A recorded capacity folds into the state, whatever the session does,
// and history tells it in one line.
func TestCapacityFoldAndSummary(t *testing.T) {
	t.Parallel()
	var s as.State
	for i, e := range []as.Event{
		as.ChannelCapacitySet{Channel: "facebooksession", Capacity: 5},
		as.SessionStarted{Channels: []string{"facebooksession"}},
		as.SessionEnded{Channels: []string{"facebooksession"}},
	} {
		d, err := agentlog.EventData(e)
		require.NoError(t, err)
		rec := eventstore.RecordedEvent{StreamID: "agent-a1", Version: int64(i + 1), Type: d.Type, SchemaVersion: d.SchemaVersion, Data: d.Data}
		s, err = agentlog.Evolve(s, &rec)
		require.NoError(t, err)
		if i == 0 {
			require.Equal(t, "facebooksession capacity set to 5", agentlog.Summary(&rec))
		}
	}
	require.Equal(t, 5, s.Capacity("facebooksession"))
	require.False(t, s.Started())
}
