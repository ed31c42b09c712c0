package agentlog_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/agentlog"
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/eventstore"
)

// An event a newer binary wrote leaves the state as it was: an older one
// still folds the stream during a rolling upgrade.
func TestUnknownEventsFoldToNothing(t *testing.T) {
	t.Parallel()
	var s as.State
	for _, rec := range []eventstore.RecordedEvent{
		{StreamID: "agent-a1", Version: 1, Type: "ChannelAway", SchemaVersion: 1, Data: []byte(`{}`)},
		{StreamID: "agent-a1", Version: 2, Type: "ChannelReady", SchemaVersion: 99, Data: []byte(`{}`)},
	} {
		next, err := agentlog.Evolve(s, &rec)
		require.NoError(t, err, rec.Type)
		require.Equal(t, s, next)
	}
}
