package sessionlog_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	chatting := started
	chatting.Status = fb.StatusChatting
	for _, e := range []fb.Event{
		chatting,
		fb.SessionEnded{SessionID: "s"},
		fb.InteractionCompleted{SessionID: "s"},
		fb.QueuedTo{SessionID: "s", QueueName: "Q"},
	} {
		data, err := sessionlog.Encode(e)
		require.NoError(t, err)
		got, err := sessionlog.Decode(e.EventType(), sessionlog.SchemaVersion, data)
		require.NoError(t, err)
		require.Equal(t, e, got)
	}
}

func TestDecodeUnknown(t *testing.T) {
	t.Parallel()
	_, err := sessionlog.Decode("Renamed", sessionlog.SchemaVersion, []byte(`{}`))
	require.ErrorIs(t, err, sessionlog.ErrUnknownEvent)
	_, err = sessionlog.Decode(fb.TypeQueuedTo, sessionlog.SchemaVersion+1, []byte(`{}`))
	require.ErrorIs(t, err, sessionlog.ErrUnknownEvent)
	_, err = sessionlog.Decode(fb.TypeQueuedTo, sessionlog.SchemaVersion, []byte(`{`))
	require.Error(t, err)
	require.NotErrorIs(t, err, sessionlog.ErrUnknownEvent)
}

func TestUserDataKeepsLargeIntegersAndOrder(t *testing.T) {
	t.Parallel()
	raw := []byte(`{"z":1441197555620000001,"a":"x"}`)
	e := fb.SessionStarted{SessionID: "s", AgentID: "a", UserData: raw}
	data, err := sessionlog.Encode(e)
	require.NoError(t, err)
	got, err := sessionlog.Decode(fb.TypeSessionStarted, sessionlog.SchemaVersion, data)
	require.NoError(t, err)
	require.Equal(t, string(raw), string(got.(fb.SessionStarted).UserData))
}

var started = fb.SessionStarted{
	SessionID:           "0002DaAVKJ0V0095",
	AgentID:             "a1",
	FacebooksessionType: "Inbound",
	Comment:             "c",
	ReceivedDate:        "2015-09-02T15:39:22.000+0300",
	UserData:            []byte(`{"FirstName":"Vitaliy","UserData2":123456789}`),
	Participants:        []fb.Participant{{Nickname: "VitaliyOnv", Type: "Customer", ID: "007355E6EDFA0107", Visibility: "All", ParticipantID: "007355E6EDFA0107"}},
}

// The stored bytes are a format on disk that logs already written hold:
// each event type's encoding is pinned here.
func TestEncodingIsTheStoredFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		event fb.Event
		want  string
	}{
		{started, `{"sessionId":"0002DaAVKJ0V0095","agentId":"a1","facebooksessionType":"Inbound","comment":"c","receivedDate":"2015-09-02T15:39:22.000+0300","userData":{"FirstName":"Vitaliy","UserData2":123456789},"participants":[{"nickname":"VitaliyOnv","type":"Customer","id":"007355E6EDFA0107","visibility":"All","participantId":"007355E6EDFA0107"}]}`},
		{fb.SessionStarted{SessionID: "s", AgentID: "a", FacebooksessionType: "Inbound", UserData: []byte(`{}`), Participants: []fb.Participant{}}, `{"sessionId":"s","agentId":"a","facebooksessionType":"Inbound","userData":{},"participants":[]}`},
		{fb.SessionEnded{SessionID: "s"}, `{"sessionId":"s"}`},
		{fb.InteractionCompleted{SessionID: "s"}, `{"sessionId":"s"}`},
		{fb.QueuedTo{SessionID: "s", QueueName: "Q"}, `{"sessionId":"s","queueName":"Q"}`},
	} {
		data, err := sessionlog.Encode(tc.event)
		require.NoError(t, err)
		require.Equal(t, tc.want, string(data), tc.event.EventType())
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	t.Parallel()
	m := sessionlog.Metadata{Actor: "a1", ReferenceID: 7, RequestID: "r", IdempotencyKey: "k", Operation: "Complete", RequestHash: "ab12"}
	raw, err := sessionlog.EncodeMetadata(m)
	require.NoError(t, err)
	require.JSONEq(t, `{"actor":"a1","referenceId":7,"requestId":"r","idempotencyKey":"k","operation":"Complete","requestHash":"ab12"}`, string(raw))
	got, err := sessionlog.DecodeMetadata(raw)
	require.NoError(t, err)
	require.Equal(t, m, got)
	empty, err := sessionlog.DecodeMetadata(nil)
	require.NoError(t, err)
	require.Zero(t, empty)
	_, err = sessionlog.DecodeMetadata([]byte(`{`))
	require.Error(t, err)
}

func TestStreamIDs(t *testing.T) {
	t.Parallel()
	id, ok := sessionlog.SessionID(sessionlog.StreamID("s-1"))
	require.True(t, ok)
	require.Equal(t, "s-1", id)
	_, ok = sessionlog.SessionID("other-s-1")
	require.False(t, ok)
}

func TestCodecRoundTripsTheSessionsLife(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 12, 0, 0, 123456789, time.UTC)
	offered := started
	offered.Status = fb.StatusInvited
	offered.SuggestedQueueURIs = []string{"http://gws/api/v2/queues/q"}
	for _, e := range []fb.Event{
		offered,
		fb.SessionEnded{SessionID: "s", ByCustomer: true},
		fb.OfferAccepted{AgentID: "a1", Nickname: "Anna"},
		fb.OfferRejected{AgentID: "a1"},
		fb.AgentMessageSent{AgentID: "a1", Message: fb.Message{Index: 2, Nickname: "Anna", ParticipantID: "a1", Text: "hi\nthere", At: at}},
		fb.CustomerMessageReceived{Message: fb.Message{Index: 1, Nickname: "V", ParticipantID: "p", Text: "hello", At: at}},
		fb.AgentTypingStarted{AgentID: "a1"},
		fb.AgentTypingStopped{AgentID: "a1"},
		fb.TransferredToAgent{FromAgentID: "a1", ToAgentID: "a2"},
		fb.TransferredToQueue{FromAgentID: "a1", QueueName: "Sales.EMEA"},
		fb.AgentLeft{AgentID: "a1"},
		fb.SessionFocused{AgentID: "a1"},
		fb.UserDataUpdated{UserData: json.RawMessage(`{"big":12345678901234567890}`)},
		fb.UserDataDeleted{Keys: []string{"a", "b"}},
		fb.SessionRouted{AgentID: "a3"},
		fb.SessionRouted{AgentID: "a3", Decision: &fb.RoutingDecision{
			Queue: "Sales", Rule: "longest-idle", WaitingSince: at, DecidedAt: at.Add(time.Second), OfferTimeoutSeconds: 30, Members: 3,
			Candidates: []fb.Candidate{
				{AgentID: "a3", Status: "Ready", Load: 1, Capacity: 3, IdleSince: at, Chosen: true},
				{AgentID: "a4", Status: "NotReady", Capacity: 3, Reason: fb.ReasonNotReady},
			},
		}},
		fb.OfferTimedOut{AgentID: "a3", Offer: 2, TimeoutSeconds: 30, NoAnswerNotReady: true},
		func() fb.SessionStarted {
			q := offered
			q.AgentID, q.Status, q.QueueName = "", fb.StatusCompleted, "Sales"
			return q
		}(),
		fb.SessionWithdrawn{AgentID: "a3"},
	} {
		data, err := sessionlog.Encode(e)
		require.NoError(t, err)
		got, err := sessionlog.Decode(e.EventType(), sessionlog.SchemaVersion, data)
		require.NoError(t, err, e.EventType())
		require.Equal(t, e, got, e.EventType())
	}
}

func TestOldSessionStartedFoldsToChatting(t *testing.T) {
	t.Parallel()
	e, err := sessionlog.Decode(fb.TypeSessionStarted, sessionlog.SchemaVersion, []byte(`{"sessionId":"s","agentId":"a1","facebooksessionType":"Inbound","userData":{},"participants":[]}`))
	require.NoError(t, err)
	require.Equal(t, fb.StatusChatting, fb.Fold([]fb.Event{e}).Status)
}

func TestTranscript(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var records []eventstore.RecordedEvent
	for i, e := range []fb.Event{
		started,
		fb.CustomerMessageReceived{Message: fb.Message{Index: 1, Nickname: "V", Text: "hello", At: at}},
		fb.AgentTypingStarted{AgentID: "a1"},
		fb.AgentMessageSent{AgentID: "a1", Message: fb.Message{Index: 2, Nickname: "a1", ParticipantID: "a1", Text: "hi", At: at}},
	} {
		data, err := sessionlog.Encode(e)
		require.NoError(t, err)
		records = append(records, eventstore.RecordedEvent{StreamID: "facebooksession-s", Version: int64(i + 1), Type: e.EventType(), SchemaVersion: sessionlog.SchemaVersion, Data: data})
	}
	all, err := sessionlog.Transcript(records, 0, nil)
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, fb.ParticipantCustomer, all[0].FromType)
	require.Equal(t, "hi", all[1].Text)
	require.Equal(t, fb.ParticipantAgent, all[1].FromType)
	upTo, err := sessionlog.Transcript(records, 3, nil)
	require.NoError(t, err)
	require.Len(t, upTo, 1)
}

func TestDecodeStartedBriefReadsWhatRoutingNeeds(t *testing.T) {
	t.Parallel()
	for _, e := range []fb.SessionStarted{
		{SessionID: "s", AgentID: "a1", Status: fb.StatusInvited, UserData: []byte(`{"k":"v"}`), Participants: []fb.Participant{{Nickname: "n"}}},
		{SessionID: "q", Status: fb.StatusCompleted, QueueName: "Sales", UserData: []byte(`{}`)},
	} {
		data, err := sessionlog.Encode(e)
		require.NoError(t, err)
		got, err := sessionlog.DecodeStartedBrief(sessionlog.SchemaVersion, data)
		require.NoError(t, err)
		require.Equal(t, fb.SessionStarted{SessionID: e.SessionID, AgentID: e.AgentID, Status: e.Status, QueueName: e.QueueName}, got)
	}
	old, err := sessionlog.DecodeStartedBrief(sessionlog.SchemaVersion, []byte(`{"sessionId":"s","agentId":"a1","userData":{}}`))
	require.NoError(t, err)
	require.Equal(t, fb.StatusChatting, old.Status, "upcast as Decode does")
}
