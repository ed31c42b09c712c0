package facebooksession_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

var at = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// accepted is the offer taken by a1.
var accepted = fb.OfferAccepted{AgentID: "a1", Nickname: "Anna"}

func TestDecideLife(t *testing.T) {
	t.Parallel()
	id := started.SessionID
	chat := []fb.Event{invited, accepted}
	for _, sc := range []scenario{
		{name: "accept", given: []fb.Event{invited}, when: fb.Accept{By: "a1", Nickname: "Anna"}, then: []fb.Event{accepted}},
		{name: "accept needs a nickname", given: []fb.Event{invited}, when: fb.Accept{By: "a1"}, thenErr: fb.ErrInvalid},
		{name: "accept twice", given: chat, when: fb.Accept{By: "a1", Nickname: "Anna"}, thenErr: fb.ErrInvalidState},
		{name: "accept another's offer", given: []fb.Event{invited}, when: fb.Accept{By: "a2", Nickname: "B"}, thenErr: fb.ErrNotOwner},
		{name: "reject", given: []fb.Event{invited}, when: fb.Reject{By: "a1"}, then: []fb.Event{fb.OfferRejected{AgentID: "a1"}}},
		{name: "reject while chatting", given: chat, when: fb.Reject{By: "a1"}, thenErr: fb.ErrInvalidState},
		{name: "send in an offer", given: []fb.Event{invited}, when: fb.SendMessage{By: "a1", Text: "hi", At: at}, thenErr: fb.ErrInvalidState},
		{
			name: "send counts from the messages so far", given: append(chat, fb.CustomerMessageReceived{Message: fb.Message{Index: 1, Text: "hello", At: at}}),
			when: fb.SendMessage{By: "a1", Text: "hi", At: at},
			then: []fb.Event{fb.AgentMessageSent{AgentID: "a1", Message: fb.Message{Index: 2, Nickname: "Anna", ParticipantID: "a1", Text: "hi", At: at}}},
		},
		{
			name: "an agent handed the session joined shows under their id", given: []fb.Event{started},
			when: fb.SendMessage{By: "a1", Text: "hi", At: at},
			then: []fb.Event{fb.AgentMessageSent{AgentID: "a1", Message: fb.Message{Index: 1, Nickname: "a1", ParticipantID: "a1", Text: "hi", At: at}}},
		},
		{name: "empty text", given: chat, when: fb.SendMessage{By: "a1", Text: ""}, thenErr: fb.ErrInvalid},
		{name: "text too long", given: chat, when: fb.SendMessage{By: "a1", Text: strings.Repeat("é", fb.MaxTextLength+1)}, thenErr: fb.ErrInvalid},
		{name: "text with a bidi override", given: chat, when: fb.SendMessage{By: "a1", Text: "a\u202eb"}, thenErr: fb.ErrInvalid},
		{name: "typing", given: chat, when: fb.StartTyping{By: "a1"}, then: []fb.Event{fb.AgentTypingStarted{AgentID: "a1"}}},
		{name: "typing stops", given: chat, when: fb.StopTyping{By: "a1"}, then: []fb.Event{fb.AgentTypingStopped{AgentID: "a1"}}},
		{name: "transfer to an agent", given: chat, when: fb.Transfer{By: "a1", TargetAgent: "a2"}, then: []fb.Event{fb.TransferredToAgent{FromAgentID: "a1", ToAgentID: "a2"}}},
		{name: "transfer to a queue", given: chat, when: fb.Transfer{By: "a1", QueueName: ptr("Sales.EMEA")}, then: []fb.Event{fb.TransferredToQueue{FromAgentID: "a1", QueueName: "Sales.EMEA"}}},
		{name: "transfer to both", given: chat, when: fb.Transfer{By: "a1", TargetAgent: "a2", QueueName: ptr("Q")}, thenErr: fb.ErrInvalid},
		{name: "transfer to nobody", given: chat, when: fb.Transfer{By: "a1"}, thenErr: fb.ErrInvalid},
		{name: "transfer to oneself", given: chat, when: fb.Transfer{By: "a1", TargetAgent: "a1"}, thenErr: fb.ErrInvalid},
		{name: "leave", given: chat, when: fb.Leave{By: "a1"}, then: []fb.Event{fb.AgentLeft{AgentID: "a1"}}},
		{name: "in focus", given: chat, when: fb.InFocus{By: "a1"}, then: []fb.Event{fb.SessionFocused{AgentID: "a1"}}},
		{name: "update user data", given: chat, when: fb.UpdateUserData{By: "a1", UserData: json.RawMessage(`{"x":1}`)}, then: []fb.Event{fb.UserDataUpdated{UserData: json.RawMessage(`{"x":1}`)}}},
		{name: "update with nested user data", given: chat, when: fb.UpdateUserData{By: "a1", UserData: json.RawMessage(`{"x":{}}`)}, thenErr: fb.ErrInvalid},
		{name: "update past the size limit", given: chat, when: fb.UpdateUserData{By: "a1", UserData: json.RawMessage(`{"big":"` + strings.Repeat("x", fb.MaxUserDataBytes-10) + `"}`)}, thenErr: fb.ErrInvalid},
		{name: "delete user data", given: chat, when: fb.DeleteUserData{By: "a1", Keys: []string{"FirstName"}}, then: []fb.Event{fb.UserDataDeleted{Keys: []string{"FirstName"}}}},
		{name: "delete no keys", given: chat, when: fb.DeleteUserData{By: "a1"}, thenErr: fb.ErrInvalid},
		{name: "delete a key twice", given: chat, when: fb.DeleteUserData{By: "a1", Keys: []string{"a", "a"}}, thenErr: fb.ErrInvalid},
		{
			// The customer's nickname is referenced, not copied (NamedIn).
			name: "customer writes before the offer is taken", given: []fb.Event{invited},
			when: fb.CustomerMessage{Text: "hello", At: at},
			then: []fb.Event{fb.CustomerMessageReceived{Message: fb.Message{Index: 1, ParticipantID: "007355E6EDFA0107", Text: "hello", At: at}}},
		},
		{name: "customer left", given: chat, when: fb.CustomerLeft{}, then: []fb.Event{fb.SessionEnded{SessionID: id, ByCustomer: true}}},
		{name: "customer left twice", given: append(chat, fb.SessionEnded{SessionID: id, ByCustomer: true}), when: fb.CustomerLeft{}, thenErr: fb.ErrInvalidState},
		{name: "customer writes after leaving", given: append(chat, fb.SessionEnded{SessionID: id, ByCustomer: true}), when: fb.CustomerMessage{Text: "x"}, thenErr: fb.ErrInvalidState},
		{name: "complete after the customer left does not end it again", given: append(chat, fb.SessionEnded{SessionID: id, ByCustomer: true}), when: fb.Complete{By: "a1"}, then: []fb.Event{fb.InteractionCompleted{SessionID: id}}},
		{name: "route a rejected session", given: []fb.Event{invited, fb.OfferRejected{AgentID: "a1"}}, when: fb.Route{AgentID: "a2"}, then: []fb.Event{fb.SessionRouted{AgentID: "a2"}}},
		{name: "route a queued session", given: append(chat, fb.SessionEnded{SessionID: id}, fb.QueuedTo{SessionID: id, QueueName: "Q"}), when: fb.Route{AgentID: "a2"}, then: []fb.Event{fb.SessionRouted{AgentID: "a2"}}},
		{name: "route a chatting session", given: chat, when: fb.Route{AgentID: "a2"}, thenErr: fb.ErrInvalidState},
		{name: "route a closed session", given: append(chat, fb.SessionEnded{SessionID: id}, fb.InteractionCompleted{SessionID: id}), when: fb.Route{AgentID: "a2"}, thenErr: fb.ErrInvalidState},
		{name: "route to a bad id", given: []fb.Event{invited, fb.OfferRejected{AgentID: "a1"}}, when: fb.Route{AgentID: "a.*"}, thenErr: fb.ErrInvalid},
		{name: "the old agent after a transfer", given: append(chat, fb.TransferredToAgent{FromAgentID: "a1", ToAgentID: "a2"}), when: fb.SendMessage{By: "a1", Text: "x"}, thenErr: fb.ErrNotOwner},
		{name: "integration on no session", when: fb.CustomerLeft{}, thenErr: fb.ErrNotFound},
	} {
		t.Run(sc.name, sc.run)
	}
}

func TestDecideBoundsActivity(t *testing.T) {
	t.Parallel()
	id := started.SessionID
	given := []fb.Event{invited, accepted}
	for len(given) <= fb.MaxActivity {
		given = append(given, fb.SessionFocused{AgentID: "a1"})
	}
	full := fb.Fold(given)
	require.Equal(t, fb.MaxActivity, full.Activity)
	require.Equal(t, []string{"Complete", "Leave"}, full.Capabilities(), "what ends or hands back the session")
	for _, cmd := range []fb.Command{
		fb.SendMessage{By: "a1", Text: "x"}, fb.StartTyping{By: "a1"}, fb.InFocus{By: "a1"},
		fb.Transfer{By: "a1", TargetAgent: "a2"}, fb.UpdateUserData{By: "a1", UserData: json.RawMessage(`{"k":1}`)},
		fb.CustomerMessage{Text: "x"},
	} {
		scenario{given: given, when: cmd, thenErr: fb.ErrInvalidState}.run(t)
	}
	scenario{given: given, when: fb.Complete{By: "a1"}, then: []fb.Event{fb.SessionEnded{SessionID: id}, fb.InteractionCompleted{SessionID: id}}}.run(t)
	scenario{given: given, when: fb.Leave{By: "a1"}, then: []fb.Event{fb.AgentLeft{AgentID: "a1"}}}.run(t)
	scenario{given: given, when: fb.CustomerLeft{}, then: []fb.Event{fb.SessionEnded{SessionID: id, ByCustomer: true}}}.run(t)
	// Left, it can still be routed, accepted and completed.
	left := append(given, fb.AgentLeft{AgentID: "a1"})
	scenario{given: left, when: fb.Route{AgentID: "a2"}, then: []fb.Event{fb.SessionRouted{AgentID: "a2"}}}.run(t)
	routed := append(left, fb.SessionRouted{AgentID: "a2"})
	scenario{given: routed, when: fb.Accept{By: "a2", Nickname: "B"}, then: []fb.Event{fb.OfferAccepted{AgentID: "a2", Nickname: "B"}}}.run(t)
}

// A log written before the session's life was counted folds to no
// activity: its views verify as they were written.
func TestOldLogsHaveNoActivity(t *testing.T) {
	t.Parallel()
	id := started.SessionID
	s := fb.Fold([]fb.Event{started, fb.SessionEnded{SessionID: id}, fb.QueuedTo{SessionID: id, QueueName: "Q"}})
	require.Zero(t, s.Activity)
}

// TestEvolveEveryEvent folds each event type and checks what it changes.
func TestEvolveEveryEvent(t *testing.T) {
	t.Parallel()
	id := started.SessionID
	chat := []fb.Event{invited, accepted}
	customer := started.Participants[0]
	anna := fb.Participant{Nickname: "Anna", Type: "Agent", ID: "a1", Visibility: "All", ParticipantID: "a1"}
	for _, tc := range []struct {
		name   string
		events []fb.Event
		check  func(t *testing.T, s fb.State)
	}{
		{"SessionStarted offered", []fb.Event{invited}, func(t *testing.T, s fb.State) {
			require.Equal(t, fb.StatusInvited, s.Status)
			require.Equal(t, "a1", s.AgentID)
		}},
		{"OfferAccepted", chat, func(t *testing.T, s fb.State) {
			require.Equal(t, fb.StatusChatting, s.Status)
			require.Equal(t, []fb.Participant{customer, anna}, s.Participants)
		}},
		{"OfferRejected", []fb.Event{invited, fb.OfferRejected{AgentID: "a1"}}, func(t *testing.T, s fb.State) {
			require.Equal(t, fb.StatusCompleted, s.Status)
			require.Empty(t, s.AgentID)
			require.True(t, s.Routable())
		}},
		{"AgentMessageSent", append(chat, fb.AgentMessageSent{AgentID: "a1", Message: fb.Message{Index: 1}}), func(t *testing.T, s fb.State) {
			require.Equal(t, 1, s.Messages)
			require.Equal(t, 2, s.Activity, "the Accept and the message")
		}},
		{"CustomerMessageReceived", append(chat, fb.CustomerMessageReceived{Message: fb.Message{Index: 1}}, fb.CustomerMessageReceived{Message: fb.Message{Index: 2}}), func(t *testing.T, s fb.State) {
			require.Equal(t, 2, s.Messages)
		}},
		{"AgentTypingStarted and AgentTypingStopped", append(chat, fb.AgentTypingStarted{AgentID: "a1"}, fb.AgentTypingStopped{AgentID: "a1"}), func(t *testing.T, s fb.State) {
			require.Equal(t, 0, s.Messages, "typing is not a message")
			require.Equal(t, 3, s.Activity)
		}},
		{"TransferredToAgent", append(chat, fb.TransferredToAgent{FromAgentID: "a1", ToAgentID: "a2"}), func(t *testing.T, s fb.State) {
			require.Equal(t, fb.StatusInvited, s.Status)
			require.Equal(t, "a2", s.AgentID)
			require.Equal(t, []fb.Participant{customer}, s.Participants)
		}},
		{"TransferredToQueue", append(chat, fb.TransferredToQueue{FromAgentID: "a1", QueueName: "Q.1"}), func(t *testing.T, s fb.State) {
			require.Equal(t, fb.StatusCompleted, s.Status)
			require.Equal(t, "Q.1", s.Queue)
			require.Empty(t, s.AgentID)
			require.False(t, s.Ended, "the customer is still there")
		}},
		{"AgentLeft", append(chat, fb.AgentLeft{AgentID: "a1"}), func(t *testing.T, s fb.State) {
			require.Equal(t, fb.StatusCompleted, s.Status)
			require.True(t, s.Routable())
			require.Equal(t, []fb.Participant{customer}, s.Participants)
		}},
		{"SessionFocused", append(chat, fb.SessionFocused{AgentID: "a1"}), func(t *testing.T, s fb.State) {
			want := fb.Fold(chat)
			want.Activity++ // recorded, and counted; nothing else changes
			require.Equal(t, want, s)
		}},
		{"UserDataUpdated", append(chat, fb.UserDataUpdated{UserData: json.RawMessage(`{"UserData2":"new","z":true}`)}), func(t *testing.T, s fb.State) {
			require.JSONEq(t, `{"FirstName":"Vitaliy","UserData2":"new","z":true}`, string(s.UserData))
			require.Equal(t, `{"FirstName":"Vitaliy","UserData2":"new","z":true}`, string(s.UserData), "keys keep their places")
		}},
		{"UserDataDeleted", append(chat, fb.UserDataDeleted{Keys: []string{"FirstName", "absent"}}), func(t *testing.T, s fb.State) {
			require.Equal(t, `{"UserData2":123456789}`, string(s.UserData))
		}},
		{"SessionEnded by the customer", append(chat, fb.SessionEnded{SessionID: id, ByCustomer: true}), func(t *testing.T, s fb.State) {
			require.True(t, s.Ended)
			require.Equal(t, fb.StatusChatting, s.Status)
			require.Equal(t, []fb.Participant{anna}, s.Participants)
		}},
		{"SessionRouted", append(chat, fb.AgentLeft{AgentID: "a1"}, fb.SessionRouted{AgentID: "a3"}), func(t *testing.T, s fb.State) {
			require.Equal(t, fb.StatusInvited, s.Status)
			require.Equal(t, "a3", s.AgentID)
			require.Empty(t, s.Queue)
		}},
		{"SessionRouted after a queued Complete drops the old agent", append(chat, fb.QueuedTo{SessionID: id, QueueName: "Q"}, fb.SessionRouted{AgentID: "a3"}), func(t *testing.T, s fb.State) {
			require.Equal(t, []fb.Participant{customer}, s.Participants)
			require.Empty(t, s.Queue)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.check(t, fb.Fold(tc.events))
		})
	}
}

// TestEvolveLeavesEarlierStatesAlone: caches keep a state while the next
// is made from it.
func TestEvolveLeavesEarlierStatesAlone(t *testing.T) {
	t.Parallel()
	before := fb.Fold([]fb.Event{invited, accepted})
	saved := append([]fb.Participant(nil), before.Participants...)
	savedData := string(before.UserData)
	after := fb.Evolve(before, fb.AgentLeft{AgentID: "a1"})
	after = fb.Evolve(after, fb.SessionRouted{AgentID: "a2"})
	after = fb.Evolve(after, fb.OfferAccepted{AgentID: "a2", Nickname: "B"})
	_ = fb.Evolve(after, fb.UserDataUpdated{UserData: json.RawMessage(`{"FirstName":"X"}`)})
	require.Equal(t, saved, before.Participants)
	require.Equal(t, savedData, string(before.UserData))
}

func TestCapabilitiesAreTheTable(t *testing.T) {
	t.Parallel()
	for _, st := range []fb.Status{fb.StatusNone, fb.StatusInvited, fb.StatusChatting, fb.StatusCompleted} {
		for _, op := range fb.AgentOperations() {
			require.Equal(t, contains(st.Capabilities(), op), st.Allows(op), "%s %s", st, op)
		}
	}
	caps := fb.StatusChatting.Capabilities()
	caps[0] = "changed"
	require.Equal(t, chatting, fb.StatusChatting.Capabilities(), "callers get their own slice")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Allows answers as Capabilities lists, in every state and past the cap.
func TestAllowsIsCapabilities(t *testing.T) {
	t.Parallel()
	full := fb.State{Status: fb.StatusChatting, Activity: fb.MaxActivity}
	for _, s := range []fb.State{{}, {Status: fb.StatusInvited}, {Status: fb.StatusChatting}, {Status: fb.StatusCompleted}, full, {Status: fb.StatusInvited, Activity: fb.MaxActivity}} {
		for _, op := range append(fb.AgentOperations(), "Dance") {
			require.Equal(t, contains(s.Capabilities(), op), s.Allows(op), "%+v %s", s, op)
		}
	}
	require.NotNil(t, fb.StatusCompleted.Capabilities(), "an empty list, never null")
}

func TestUserDataKeysInOrder(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"z", "a", "<k>"}, fb.UserDataKeys([]byte(`{"z":1,"a":"x","\u003ck\u003e":null}`)))
	require.Empty(t, fb.UserDataKeys([]byte(`{}`)))
	require.Nil(t, fb.UserDataKeys([]byte(`[1]`)))
}
