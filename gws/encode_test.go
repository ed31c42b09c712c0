package gws_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/internal/seedfixtures"
)

// A notification is encoded byte for byte as json.Marshal encodes it.
func TestEncodeNotificationIsMarshal(t *testing.T) {
	t.Parallel()
	var seed struct {
		UserData json.RawMessage `json:"userData"`
	}
	require.NoError(t, json.Unmarshal(seedfixtures.IntakeSeed(), &seed))
	s := fb.Fold([]fb.Event{fb.SessionStarted{SessionID: "s1", AgentID: "a1", Status: fb.StatusChatting, UserData: fb.Canonical(seed.UserData), Comment: "<c>",
		Participants: []fb.Participant{{Nickname: "V", Type: "Customer"}}}})
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, body := range []any{
		gws.StatusChange(7, gws.ResourceOf(s, "http://h")),
		gws.PropertiesUpdated(0, gws.ResourceOf(s, "http://h")),
		gws.StatusChange(7, gws.ResourceOf(fb.State{ID: "empty"}, "http://h")),
		gws.NewMessages(3, "http://h/api/v2/facebooksessions/s1", []gws.Message{gws.MessageOf(fb.Said{Message: fb.Message{Index: 1, Text: "<hi>", At: at}, FromType: "Customer"})}),
	} {
		want, err := json.Marshal(body)
		require.NoError(t, err)
		got, err := gws.EncodeNotification(body)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
}

func BenchmarkEncodeNotification(b *testing.B) {
	var seed struct {
		UserData json.RawMessage `json:"userData"`
	}
	require.NoError(b, json.Unmarshal(seedfixtures.IntakeSeed(), &seed))
	s := fb.Fold([]fb.Event{fb.SessionStarted{SessionID: "s1", AgentID: "a1", Status: fb.StatusChatting, UserData: fb.Canonical(seed.UserData)}})
	body := gws.StatusChange(7, gws.ResourceOf(s, "http://h"))
	b.Run("marshal", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(body)
		}
	})
	b.Run("spliced", func(b *testing.B) {
		for b.Loop() {
			_, _ = gws.EncodeNotification(body)
		}
	})
}

func TestTranscriptMarksWhatTheCustomerReceived(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	said := []fb.Said{
		{Message: fb.Message{Index: 1, Text: "hi", At: at}, FromType: fb.ParticipantCustomer},
		{Message: fb.Message{Index: 2, Text: "hello", At: at.Add(time.Second)}, FromType: fb.ParticipantAgent},
		{Message: fb.Message{Index: 3, Text: "how can I help?", At: at.Add(2 * time.Second)}, FromType: fb.ParticipantAgent},
		{Message: fb.Message{Index: 4, Text: "still there?", At: at.Add(3 * time.Second)}, FromType: fb.ParticipantAgent},
	}
	got := gws.TranscriptOf(said, at.Add(time.Second), at.Add(2*time.Second))
	marks := make([]string, len(got))
	for i, m := range got {
		marks[i] = m.CustomerReceipt
	}
	require.Equal(t, []string{"", gws.MessageRead, gws.MessageDelivered, ""}, marks)
	require.Empty(t, gws.TranscriptOf(said, time.Time{}, time.Time{})[1].CustomerReceipt, "no receipt yet")
}
