package agentlog_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/agentlog"
	as "github.com/fbsession/fbsession/domain/agentstate"
)

func TestCodecRoundTrip(t *testing.T) {
	for _, e := range []as.Event{
		as.SessionStarted{Channels: []string{"facebooksession"}},
		as.SessionEnded{Channels: []string{"facebooksession"}},
		as.ChannelReady{Channel: "facebooksession"},
		as.ChannelNotReady{Channel: "facebooksession", ReasonCode: "Lunch"},
		as.ChannelNotReady{Channel: "facebooksession"},
		as.ChannelCapacitySet{Channel: "facebooksession", Capacity: 2},
		as.ChannelCapacitySet{Channel: "facebooksession", Capacity: 0},
	} {
		d, err := agentlog.EventData(e)
		require.NoError(t, err)
		got, err := agentlog.Decode(d.Type, d.SchemaVersion, d.Data)
		require.NoError(t, err)
		require.Equal(t, e, got)
	}
	_, err := agentlog.Decode("Nope", 1, []byte(`{}`))
	require.ErrorIs(t, err, agentlog.ErrUnknownEvent)
	_, err = agentlog.Decode(as.TypeChannelReady, 2, []byte(`{}`))
	require.ErrorIs(t, err, agentlog.ErrUnknownEvent)
}

func TestStreamID(t *testing.T) {
	id, ok := agentlog.AgentID(agentlog.StreamID("a1"))
	require.True(t, ok)
	require.Equal(t, "a1", id)
	_, ok = agentlog.AgentID("facebooksession-x")
	require.False(t, ok)
}
