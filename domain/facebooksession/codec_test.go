package facebooksession_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	for _, e := range []fb.Event{
		started,
		fb.SessionEnded{SessionID: "s"},
		fb.InteractionCompleted{SessionID: "s"},
		fb.QueuedTo{SessionID: "s", QueueName: "Q"},
	} {
		data, err := fb.Encode(e)
		require.NoError(t, err)
		got, err := fb.Decode(e.EventType(), fb.SchemaVersion, data)
		require.NoError(t, err)
		require.Equal(t, e, got)
	}
}

func TestDecodeUnknown(t *testing.T) {
	t.Parallel()
	_, err := fb.Decode("Renamed", fb.SchemaVersion, []byte(`{}`))
	require.ErrorIs(t, err, fb.ErrUnknownEvent)
	_, err = fb.Decode(fb.TypeQueuedTo, fb.SchemaVersion+1, []byte(`{}`))
	require.ErrorIs(t, err, fb.ErrUnknownEvent)
	_, err = fb.Decode(fb.TypeQueuedTo, fb.SchemaVersion, []byte(`{`))
	require.Error(t, err)
	require.NotErrorIs(t, err, fb.ErrUnknownEvent)
}

func TestUserDataKeepsLargeIntegersAndOrder(t *testing.T) {
	t.Parallel()
	raw := []byte(`{"z":1441197555620000001,"a":"x"}`)
	e := fb.SessionStarted{SessionID: "s", AgentID: "a", UserData: raw}
	data, err := fb.Encode(e)
	require.NoError(t, err)
	got, err := fb.Decode(fb.TypeSessionStarted, fb.SchemaVersion, data)
	require.NoError(t, err)
	require.Equal(t, string(raw), string(got.(fb.SessionStarted).UserData))
}
