package facebooksession_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

func ptr[T any](v T) *T { return &v }

var started = fb.SessionStarted{
	SessionID:           "0002DaAVKJ0V0095",
	AgentID:             "a1",
	FacebooksessionType: "Inbound",
	Comment:             "Iamcrazyaboutmytest",
	UserData:            json.RawMessage(`{"FirstName":"Vitaliy","UserData2":123456789}`),
	Participants:        []fb.Participant{{Nickname: "VitaliyOnv", Type: "Customer", ID: "007355E6EDFA0107", Visibility: "All", ParticipantID: "007355E6EDFA0107"}},
	Status:              fb.StatusChatting,
}

// invited is started as intake writes it today: offered to the agent.
var invited = func() fb.SessionStarted { s := started; s.Status = fb.StatusInvited; return s }()

// chatting is the capability table's Chatting row.
var chatting = []string{"Transfer", "Complete", "Leave", "InFocus", "SendMessage", "SendStartTypingNotification", "SendStopTypingNotification", "UpdateUserData", "DeleteUserData"}

// scenario is given-when-then over values: the events already in the
// stream, the command, and either the events decided or the error.
type scenario struct {
	name    string
	given   []fb.Event
	when    fb.Command
	then    []fb.Event
	thenErr error
}

func (sc scenario) run(t *testing.T) {
	t.Helper()
	got, err := fb.Handle(fb.Fold(sc.given), sc.when)
	if sc.thenErr != nil {
		require.ErrorIs(t, err, sc.thenErr)
		require.Empty(t, got)
		return
	}
	require.NoError(t, err)
	require.Equal(t, sc.then, got)
}

func TestDecideComplete(t *testing.T) {
	t.Parallel()
	id := started.SessionID
	for _, sc := range []scenario{
		{
			name:  "ends the session then completes",
			given: []fb.Event{started},
			when:  fb.Complete{By: "a1"},
			then:  []fb.Event{fb.SessionEnded{SessionID: id}, fb.InteractionCompleted{SessionID: id}},
		},
		{
			name:  "queues instead of completing",
			given: []fb.Event{started},
			when:  fb.Complete{By: "a1", QueueName: ptr("PostProcessingQueue")},
			then:  []fb.Event{fb.SessionEnded{SessionID: id}, fb.QueuedTo{SessionID: id, QueueName: "PostProcessingQueue"}},
		},
		{
			name:  "does not end an ended session again",
			given: []fb.Event{started, fb.SessionEnded{SessionID: id}},
			when:  fb.Complete{By: "a1"},
			then:  []fb.Event{fb.InteractionCompleted{SessionID: id}},
		},
		{
			name:  "queues an ended session without ending it again",
			given: []fb.Event{started, fb.SessionEnded{SessionID: id}},
			when:  fb.Complete{By: "a1", QueueName: ptr("Q")},
			then:  []fb.Event{fb.QueuedTo{SessionID: id, QueueName: "Q"}},
		},
		{
			name:    "completed session",
			given:   []fb.Event{started, fb.SessionEnded{SessionID: id}, fb.InteractionCompleted{SessionID: id}},
			when:    fb.Complete{By: "a1"},
			thenErr: fb.ErrInvalidState,
		},
		{
			name:    "queued session",
			given:   []fb.Event{started, fb.SessionEnded{SessionID: id}, fb.QueuedTo{SessionID: id, QueueName: "Q"}},
			when:    fb.Complete{By: "a1", QueueName: ptr("Q")},
			thenErr: fb.ErrInvalidState,
		},
		{name: "unknown session", when: fb.Complete{By: "a1"}, thenErr: fb.ErrNotFound},
		{name: "another agent's session", given: []fb.Event{started}, when: fb.Complete{By: "a2"}, thenErr: fb.ErrNotOwner},
		{name: "empty queue name", given: []fb.Event{started}, when: fb.Complete{By: "a1", QueueName: ptr("")}, thenErr: fb.ErrInvalid},
		{name: "queue name too long", given: []fb.Event{started}, when: fb.Complete{By: "a1", QueueName: ptr(strings.Repeat("q", 256))}, thenErr: fb.ErrInvalid},
		{name: "queue name with control character", given: []fb.Event{started}, when: fb.Complete{By: "a1", QueueName: ptr("a\nb")}, thenErr: fb.ErrInvalid},
		{
			name:  "queue name with dots and wildcards, as real queue names have",
			given: []fb.Event{started},
			when:  fb.Complete{By: "a1", QueueName: ptr("EMEA.Post*Processing>")},
			then:  []fb.Event{fb.SessionEnded{SessionID: id}, fb.QueuedTo{SessionID: id, QueueName: "EMEA.Post*Processing>"}},
		},
		{name: "invited session", given: []fb.Event{invited}, when: fb.Complete{By: "a1"}, thenErr: fb.ErrInvalidState},
		{name: "queue name not UTF-8", given: []fb.Event{started}, when: fb.Complete{By: "a1", QueueName: ptr("a\xffb")}, thenErr: fb.ErrInvalid},
		{name: "input is checked before the state", when: fb.Complete{By: "a1", QueueName: ptr("")}, thenErr: fb.ErrInvalid},
	} {
		t.Run(sc.name, sc.run)
	}
}

func TestDecideCompleteAcceptsLongestQueueName(t *testing.T) {
	t.Parallel()
	q := strings.Repeat("é", fb.MaxQueueNameLength) // counted in characters, not bytes
	scenario{
		given: []fb.Event{started},
		when:  fb.Complete{By: "a1", QueueName: &q},
		then:  []fb.Event{fb.SessionEnded{SessionID: started.SessionID}, fb.QueuedTo{SessionID: started.SessionID, QueueName: q}},
	}.run(t)
}

func TestDecideStart(t *testing.T) {
	t.Parallel()
	valid := fb.Start{SessionID: "s-1", AgentID: "a1", UserData: json.RawMessage(`{"a":"x","b":1,"c":true,"d":null}`)}
	with := func(f func(*fb.Start)) fb.Start { c := valid; f(&c); return c }
	for _, sc := range []scenario{
		{
			name: "defaults type, user data and participants",
			when: fb.Start{SessionID: "s-1", AgentID: "a1"},
			then: []fb.Event{fb.SessionStarted{SessionID: "s-1", AgentID: "a1", FacebooksessionType: "Inbound", UserData: json.RawMessage("{}"), Participants: []fb.Participant{}, Status: fb.StatusInvited}},
		},
		{
			name: "keeps what was given",
			when: with(func(s *fb.Start) {
				s.FacebooksessionType = "Outbound"
				s.Comment = "c"
				s.ReceivedDate = "2015-09-02T15:39:22.000+0300"
			}),
			then: []fb.Event{fb.SessionStarted{SessionID: "s-1", AgentID: "a1", FacebooksessionType: "Outbound", Comment: "c", ReceivedDate: "2015-09-02T15:39:22.000+0300", UserData: valid.UserData, Participants: []fb.Participant{}, Status: fb.StatusInvited}},
		},
		{
			name: "hands over a session already joined",
			when: with(func(s *fb.Start) {
				s.Status = fb.StatusChatting
				s.SuggestedQueueURIs = []string{"http://gws/api/v2/queues/q1"}
			}),
			then: []fb.Event{fb.SessionStarted{SessionID: "s-1", AgentID: "a1", FacebooksessionType: "Inbound", UserData: valid.UserData, Participants: []fb.Participant{}, Status: fb.StatusChatting, SuggestedQueueURIs: []string{"http://gws/api/v2/queues/q1"}}},
		},
		{name: "state other than Invited or Chatting", when: with(func(s *fb.Start) { s.Status = fb.StatusCompleted }), thenErr: fb.ErrInvalid},
		{name: "too many suggested queues", when: with(func(s *fb.Start) { s.SuggestedQueueURIs = make([]string, fb.MaxSuggestedQueues+1) }), thenErr: fb.ErrInvalid},
		{name: "empty suggested queue", when: with(func(s *fb.Start) { s.SuggestedQueueURIs = []string{""} }), thenErr: fb.ErrInvalid},
		{name: "suggested queue too long", when: with(func(s *fb.Start) { s.SuggestedQueueURIs = []string{strings.Repeat("q", fb.MaxURILength+1)} }), thenErr: fb.ErrInvalid},
		{name: "suggested queue with a control character", when: with(func(s *fb.Start) { s.SuggestedQueueURIs = []string{"http://q\n"} }), thenErr: fb.ErrInvalid},
		{name: "existing id", given: []fb.Event{started}, when: with(func(s *fb.Start) { s.SessionID = started.SessionID }), thenErr: fb.ErrAlreadyExists},
		{name: "empty id", when: with(func(s *fb.Start) { s.SessionID = "" }), thenErr: fb.ErrInvalid},
		{name: "id too long", when: with(func(s *fb.Start) { s.SessionID = strings.Repeat("x", 65) }), thenErr: fb.ErrInvalid},
		{name: "id with NATS wildcard", when: with(func(s *fb.Start) { s.SessionID = "a.>" }), thenErr: fb.ErrInvalid},
		{name: "agent id with space", when: with(func(s *fb.Start) { s.AgentID = "a 1" }), thenErr: fb.ErrInvalid},
		{name: "user data not an object", when: with(func(s *fb.Start) { s.UserData = json.RawMessage(`[1]`) }), thenErr: fb.ErrInvalid},
		{name: "user data null", when: with(func(s *fb.Start) { s.UserData = json.RawMessage(`null`) }), thenErr: fb.ErrInvalid},
		{name: "nested user data", when: with(func(s *fb.Start) { s.UserData = json.RawMessage(`{"a":{"b":1}}`) }), thenErr: fb.ErrInvalid},
		{name: "comment too long", when: with(func(s *fb.Start) { s.Comment = strings.Repeat("c", 4097) }), thenErr: fb.ErrInvalid},
		{name: "control character in date", when: with(func(s *fb.Start) { s.ReceivedDate = "2015\x00" }), thenErr: fb.ErrInvalid},
	} {
		t.Run(sc.name, sc.run)
	}
}

func TestEvolve(t *testing.T) {
	t.Parallel()
	id := started.SessionID
	for _, tc := range []struct {
		name         string
		events       []fb.Event
		state        fb.Status
		capabilities []string
		ended        bool
		queue        string
	}{
		{name: "no events", state: fb.StatusNone, capabilities: []string{}},
		{name: "started before sessions were offered", events: []fb.Event{started}, state: fb.StatusChatting, capabilities: chatting},
		{name: "offered", events: []fb.Event{invited}, state: fb.StatusInvited, capabilities: []string{"Accept", "Reject"}},
		{name: "ended", events: []fb.Event{started, fb.SessionEnded{SessionID: id}}, state: fb.StatusChatting, capabilities: chatting, ended: true},
		{name: "completed", events: []fb.Event{started, fb.SessionEnded{SessionID: id}, fb.InteractionCompleted{SessionID: id}}, state: fb.StatusCompleted, capabilities: []string{}, ended: true},
		{name: "queued", events: []fb.Event{started, fb.SessionEnded{SessionID: id}, fb.QueuedTo{SessionID: id, QueueName: "Q"}}, state: fb.StatusCompleted, capabilities: []string{}, ended: true, queue: "Q"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := fb.Fold(tc.events)
			require.Equal(t, tc.state, s.Status)
			require.Equal(t, tc.ended, s.Ended)
			require.Equal(t, tc.queue, s.Queue)
			require.Equal(t, tc.capabilities, s.Status.Capabilities())
		})
	}
}
