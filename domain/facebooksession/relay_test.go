package facebooksession_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

func TestWindow(t *testing.T) {
	t.Parallel()
	last := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		after    time.Duration
		typ, tag string
		ok       bool
	}{
		{time.Minute, fb.MessagingResponse, "", true},
		{24 * time.Hour, fb.MessagingResponse, "", true},
		{24*time.Hour + time.Second, fb.MessagingMessageTag, fb.TagHumanAgent, true},
		{7 * 24 * time.Hour, fb.MessagingMessageTag, fb.TagHumanAgent, true},
		{7*24*time.Hour + time.Second, "", "", false},
	} {
		typ, tag, ok := fb.Window(last, last.Add(c.after))
		require.Equal(t, []any{c.typ, c.tag, c.ok}, []any{typ, tag, ok}, c.after)
	}
}

// messengerSession is a session the inbox started, accepted by a1.
func messengerSession(received time.Time) []fb.Event {
	s := started
	s.Status = fb.StatusInvited
	s.Channel = fb.ChannelMessenger
	s.ReceivedDate = received.Format(fb.ReceivedDateLayout)
	return []fb.Event{s, fb.OfferAccepted{AgentID: "a1", Nickname: "Ann"}}
}

func TestSendMessageOnMessengerKeepsTheSevenDayRule(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s := fb.Fold(messengerSession(t0))
	require.Equal(t, t0, s.CustomerAt)

	_, err := fb.Decide(s, fb.SendMessage{By: "a1", Text: "hi", At: t0.Add(6 * 24 * time.Hour)})
	require.NoError(t, err)
	_, err = fb.Decide(s, fb.SendMessage{By: "a1", Text: "hi", At: t0.Add(8 * 24 * time.Hour)})
	require.ErrorIs(t, err, fb.ErrInvalidState)
	require.ErrorContains(t, err, "more than 7 days old")

	// The customer writes again: the window opens again.
	s = fb.Evolve(s, fb.CustomerMessageReceived{Message: fb.Message{Index: 1, Text: "still there?", At: t0.Add(8 * 24 * time.Hour)}})
	_, err = fb.Decide(s, fb.SendMessage{By: "a1", Text: "yes", At: t0.Add(8*24*time.Hour + time.Hour)})
	require.NoError(t, err)

	// A session of the integration API has no window.
	plain := fb.Fold([]fb.Event{started})
	_, err = fb.Decide(plain, fb.SendMessage{By: "a1", Text: "hi", At: t0.Add(80 * 24 * time.Hour)})
	require.NoError(t, err)
}

func TestRelayCommands(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	given := append(messengerSession(t0), fb.AgentMessageSent{AgentID: "a1", Message: fb.Message{Index: 1, Text: "hi", At: t0}})
	s := fb.Fold(given)
	activity := s.Activity

	evs, err := fb.Handle(s, fb.RelaySending{Index: 1, Attempt: 1})
	require.NoError(t, err)
	require.Equal(t, []fb.Event{fb.MessageSending{Index: 1, Attempt: 1}}, evs)
	evs, err = fb.Handle(s, fb.RelayOutcome{Index: 1, MessageID: "m_1", MessagingType: fb.MessagingResponse})
	require.NoError(t, err)
	require.Equal(t, []fb.Event{fb.MessageRelayed{Index: 1, MessageID: "m_1", MessagingType: fb.MessagingResponse}}, evs)
	evs, err = fb.Handle(s, fb.RelayOutcome{Index: 1, Code: 551, Reason: "This person isn't available right now."})
	require.NoError(t, err)
	require.Equal(t, []fb.Event{fb.MessageUndeliverable{Index: 1, Code: 551, Reason: "This person isn't available right now."}}, evs)
	_, err = fb.Handle(s, fb.RelaySending{Index: 2, Attempt: 1})
	require.ErrorIs(t, err, fb.ErrInvalid)
	require.Equal(t, activity, fb.Evolve(s, fb.MessageSending{Index: 1, Attempt: 1}).Activity, "bookkeeping is not activity")

	evs, err = fb.Handle(s, fb.PageMessage{PageID: "p1", Mid: "m_page", Text: "from the inbox", At: t0})
	require.NoError(t, err)
	require.Equal(t, []fb.Event{
		fb.AgentMessageSent{Message: fb.Message{Index: 2, Nickname: fb.PageNickname, ParticipantID: "p1", Text: "from the inbox", At: t0}},
		fb.MessageRelayed{Index: 2, MessageID: "m_page", MessagingType: fb.MessagingPageInbox},
	}, evs)

	_, err = fb.Handle(fb.Fold([]fb.Event{started}), fb.RelaySending{Index: 1, Attempt: 1})
	require.ErrorIs(t, err, fb.ErrInvalidState, "not a Messenger session")
}
