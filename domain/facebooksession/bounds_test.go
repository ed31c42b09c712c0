package facebooksession_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// Intake copies its participants into the session, and every notification
// shows them: each field is bounded and printable.
func TestIntakeParticipantsAreBounded(t *testing.T) {
	t.Parallel()
	ok := fb.Participant{Nickname: "VitaliyOnv", Type: "Customer", ID: "007355E6EDFA0107", Visibility: "All", ParticipantID: "007355E6EDFA0107"}
	start := func(p fb.Participant) fb.Start {
		return fb.Start{SessionID: "s-1", AgentID: "a1", UserData: json.RawMessage(`{}`), Participants: []fb.Participant{p}}
	}
	require.NoError(t, fb.Validate(start(ok)))
	for name, mutate := range map[string]func(*fb.Participant){
		"60,000-byte nickname":   func(p *fb.Participant) { p.Nickname = strings.Repeat("n", 60_000) },
		"65-character nickname":  func(p *fb.Participant) { p.Nickname = strings.Repeat("é", fb.MaxNicknameLength+1) },
		"empty nickname":         func(p *fb.Participant) { p.Nickname = "" },
		"ESC in the nickname":    func(p *fb.Participant) { p.Nickname = "a\x1b[31mb" },
		"U+202E in the nickname": func(p *fb.Participant) { p.Nickname = "abc\u202Egpj.exe" },
		"no type":                func(p *fb.Participant) { p.Type = "" },
		"long id":                func(p *fb.Participant) { p.ID = strings.Repeat("1", fb.MaxIDLength+1) },
		"C1 in participantId":    func(p *fb.Participant) { p.ParticipantID = "a\u0085b" },
		"bidi visibility":        func(p *fb.Participant) { p.Visibility = "\u2066All" },
	} {
		p := ok
		mutate(&p)
		require.ErrorIs(t, fb.Validate(start(p)), fb.ErrInvalid, name)
	}
	nick := fb.Participant{Nickname: strings.Repeat("é", fb.MaxNicknameLength), Type: "Customer"}
	require.NoError(t, fb.Validate(start(nick)), "64 characters, whatever their bytes")
}

// Past MaxLogBytes of text, as past MaxActivity, a session takes only what
// ends or hands it back: a few long messages cannot grow its log without
// bound.
func TestLogBytesBoundASession(t *testing.T) {
	t.Parallel()
	id := started.SessionID
	text := strings.Repeat("x", fb.MaxTextLength)
	given := []fb.Event{invited, accepted}
	for fb.Fold(given).LogBytes < fb.MaxLogBytes {
		given = append(given, fb.AgentMessageSent{AgentID: "a1", Message: fb.Message{Nickname: "Anna", ParticipantID: "a1", Text: text}})
	}
	full := fb.Fold(given)
	require.Less(t, full.Activity, fb.MaxActivity, "the bytes, not the count, filled it")
	require.True(t, full.Full())
	require.Equal(t, []string{"Complete", "Leave"}, full.Capabilities())
	for _, cmd := range []fb.Command{
		fb.SendMessage{By: "a1", Text: "x"}, fb.CustomerMessage{Text: "x"},
		fb.UpdateUserData{By: "a1", UserData: json.RawMessage(`{"k":1}`)},
	} {
		_, err := fb.Handle(full, cmd)
		require.ErrorIs(t, err, fb.ErrInvalidState)
		require.ErrorContains(t, err, "the most text a session may")
	}
	scenario{given: given, when: fb.Complete{By: "a1"}, then: []fb.Event{fb.SessionEnded{SessionID: id}, fb.InteractionCompleted{SessionID: id}}}.run(t)
}

// A full session can still be handed back and routed, but a loop of
// Route, Accept and Leave ends: the cap holds on every path.
func TestHandoverLoopsPastTheCapEnd(t *testing.T) {
	t.Parallel()
	given := []fb.Event{invited, accepted}
	for len(given) <= fb.MaxActivity {
		given = append(given, fb.SessionFocused{AgentID: "a1"})
	}
	s := fb.Fold(given)
	rounds := 0
	for agent := "a1"; ; rounds++ {
		next := "a2"
		if agent == "a2" {
			next = "a1"
		}
		left, err := fb.Handle(s, fb.Leave{By: agent})
		require.NoError(t, err)
		s = fb.Fold(append(given, left...))
		given = append(given, left...)
		routed, err := fb.Handle(s, fb.Route{AgentID: next})
		if err != nil {
			require.ErrorIs(t, err, fb.ErrInvalidState)
			break
		}
		given = append(given, routed...)
		accepted, err := fb.Handle(fb.Fold(given), fb.Accept{By: next, Nickname: "N"})
		require.NoError(t, err)
		given = append(given, accepted...)
		s, agent = fb.Fold(given), next
		require.Less(t, rounds, fb.MaxHandovers, "the loop ends")
	}
	require.LessOrEqual(t, fb.Fold(given).Activity, fb.MaxActivity+fb.MaxHandovers)
	require.Positive(t, rounds, "a full session is still handed over")
}

// Withdraw takes a session back from its agent, offered or chatting, so
// that the routing side can offer it to another: a session offered to an
// agent who cannot answer is never stuck.
func TestWithdraw(t *testing.T) {
	t.Parallel()
	id := started.SessionID
	scenario{given: []fb.Event{invited}, when: fb.Withdraw{}, then: []fb.Event{fb.SessionWithdrawn{AgentID: "a1"}}}.run(t)
	chat := []fb.Event{invited, accepted}
	scenario{given: chat, when: fb.Withdraw{}, then: []fb.Event{fb.SessionWithdrawn{AgentID: "a1"}}}.run(t)
	back := fb.Fold(append(chat, fb.SessionWithdrawn{AgentID: "a1"}))
	require.Equal(t, fb.StatusCompleted, back.Status)
	require.Empty(t, back.AgentID)
	require.True(t, back.Routable())
	for _, p := range back.Participants {
		require.NotEqual(t, "a1", p.ID, "the agent left the participants")
	}
	scenario{given: append(chat, fb.SessionWithdrawn{AgentID: "a1"}), when: fb.Route{AgentID: "a2"}, then: []fb.Event{fb.SessionRouted{AgentID: "a2"}}}.run(t)
	scenario{given: append(chat, fb.SessionWithdrawn{AgentID: "a1"}), when: fb.Withdraw{}, thenErr: fb.ErrInvalidState}.run(t)
	scenario{given: []fb.Event{invited, fb.SessionEnded{SessionID: id}, fb.InteractionCompleted{SessionID: id}}, when: fb.Withdraw{}, thenErr: fb.ErrInvalidState}.run(t)
}

// A customer's message references the customer participant instead of
// copying their nickname: a small request makes a small event, and
// readers name it from the intake's participants.
func TestCustomerMessagesReferenceTheirParticipant(t *testing.T) {
	t.Parallel()
	s := fb.Fold([]fb.Event{invited})
	events, err := fb.Handle(s, fb.CustomerMessage{Text: "hi"})
	require.NoError(t, err)
	m := events[0].(fb.CustomerMessageReceived).Message
	require.Empty(t, m.Nickname, "not copied")
	require.Equal(t, "007355E6EDFA0107", m.ParticipantID)
	require.Equal(t, "VitaliyOnv", m.NamedIn(invited.Participants).Nickname)
	require.Equal(t, fb.ParticipantCustomer, m.NamedIn(nil).Nickname, "with no participant to name it")

	events, err = fb.Handle(s, fb.CustomerMessage{Text: "hi", Nickname: "Vitaliy"})
	require.NoError(t, err)
	named := events[0].(fb.CustomerMessageReceived).Message
	require.Equal(t, "Vitaliy", named.Nickname, "a nickname the connector gave is the message's own")
	require.Equal(t, "Vitaliy", named.NamedIn(invited.Participants).Nickname)
	require.Equal(t, len("hi")+len("Vitaliy"), fb.Fold(append([]fb.Event{invited}, events...)).LogBytes)
}

// Withdraw with an agent takes the session back from that agent only: one
// handed to another since is theirs.
func TestWithdrawFromAnAgent(t *testing.T) {
	t.Parallel()
	scenario{given: []fb.Event{invited}, when: fb.Withdraw{AgentID: "a1"}, then: []fb.Event{fb.SessionWithdrawn{AgentID: "a1"}}}.run(t)
	scenario{given: []fb.Event{invited}, when: fb.Withdraw{AgentID: "a2"}, thenErr: fb.ErrInvalidState}.run(t)
	scenario{given: []fb.Event{invited}, when: fb.Withdraw{AgentID: "a 2"}, thenErr: fb.ErrInvalid}.run(t)
}
