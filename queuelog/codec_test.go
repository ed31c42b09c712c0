package queuelog_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queuelog"
)

func TestCodecRoundTrip(t *testing.T) {
	for _, e := range []queue.Event{
		queue.QueueAdded{ID: "1", Name: "Sales", OfferTimeoutSeconds: 30, NoAnswerNotReady: true},
		queue.QueueChanged{OfferTimeoutSeconds: 45},
		queue.QueueRemoved{},
		queue.QueueMembersAdded{Agents: []string{"a1", "a2"}},
		queue.QueueMembersRemoved{Agents: []string{"a1"}},
	} {
		d, err := queuelog.EventData(e)
		require.NoError(t, err)
		require.Equal(t, e.EventType(), d.Type)
		got, err := queuelog.Decode(&eventstore.RecordedEvent{StreamID: "queue-Sales", Type: d.Type, SchemaVersion: d.SchemaVersion, Data: d.Data})
		require.NoError(t, err)
		require.Equal(t, e, got)
	}
}

// The stored format is the log's, not the domain's: these bytes must keep
// decoding whatever the domain's types become.
func TestStoredFormat(t *testing.T) {
	d, err := queuelog.EventData(queue.QueueAdded{ID: "3", Name: "Q.1", OfferTimeoutSeconds: 30, NoAnswerNotReady: true})
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"3","name":"Q.1","offerTimeoutSeconds":30,"noAnswerNotReady":true}`, string(d.Data))
	d, err = queuelog.EventData(queue.QueueMembersRemoved{Agents: []string{"a1"}})
	require.NoError(t, err)
	require.JSONEq(t, `{"agents":["a1"]}`, string(d.Data))
}

func TestStreamID(t *testing.T) {
	name, ok := queuelog.Name(queuelog.StreamID("Post Processing"))
	require.True(t, ok)
	require.Equal(t, "Post Processing", name)
	require.True(t, queuelog.IsStream("queue-Q"))
	require.False(t, queuelog.IsStream("agent-a1"))
	require.False(t, queuelog.IsStream("facebooksession-queue-x"))
}

// An event a newer binary wrote leaves the state as it was: an older one
// still folds the stream during a rolling upgrade. A known event that
// does not decode is an error.
func TestUnknownEventsFoldToNothing(t *testing.T) {
	s := queue.State{ID: "1", Name: "Q", OfferTimeoutSeconds: 30, Members: []string{"a1"}}
	for _, rec := range []eventstore.RecordedEvent{
		{StreamID: "queue-Q", Version: 2, Type: "QueuePaused", SchemaVersion: 1, Data: []byte(`{}`)},
		{StreamID: "queue-Q", Version: 3, Type: "QueueRemoved", SchemaVersion: 2, Data: []byte(`{}`)},
	} {
		next, err := queuelog.Evolve(s, &rec)
		require.NoError(t, err, rec.Type)
		require.Equal(t, s, next)
	}
	_, err := queuelog.Evolve(s, &eventstore.RecordedEvent{StreamID: "queue-Q", Version: 4, Type: "QueueMembersAdded", SchemaVersion: 1, Data: []byte(`{"agents":1}`)})
	require.Error(t, err)
	require.NotErrorIs(t, err, queuelog.ErrUnknownEvent)
}

func TestSummary(t *testing.T) {
	rec := func(e queue.Event) *eventstore.RecordedEvent {
		d, err := queuelog.EventData(e)
		require.NoError(t, err)
		return &eventstore.RecordedEvent{Type: d.Type, SchemaVersion: d.SchemaVersion, Data: d.Data}
	}
	require.Equal(t, "queue Sales added, id 1, offer timeout 30s, no answer sets NotReady",
		queuelog.Summary(rec(queue.QueueAdded{ID: "1", Name: "Sales", OfferTimeoutSeconds: 30, NoAnswerNotReady: true})))
	require.Equal(t, "members added: a1, a2", queuelog.Summary(rec(queue.QueueMembersAdded{Agents: []string{"a1", "a2"}})))
	many := make([]string, 12)
	for i := range many {
		many[i] = "a"
	}
	require.Contains(t, queuelog.Summary(rec(queue.QueueMembersRemoved{Agents: many})), "and 2 more")
	require.Empty(t, queuelog.Summary(&eventstore.RecordedEvent{Type: "Nope", SchemaVersion: 1, Data: []byte(`{}`)}))
}
