package gws

import (
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// Message is one entry of a session's transcript as the API shows it, in
// NewMessages notifications and GET .../messages.
type Message struct {
	// Index counts the session's messages from 1; absent for typing
	// indicators, which are not messages.
	Index            int         `json:"index,omitempty"`
	From             MessageFrom `json:"from"`
	Text             string      `json:"text,omitempty"`
	Visibility       string      `json:"visibility"`
	Timestamp        string      `json:"timestamp"`
	Type             string      `json:"type"`
	TimestampSeconds int64       `json:"timestampSeconds"`
}

// MessageFrom is who wrote a message.
type MessageFrom struct {
	Nickname      string `json:"nickname"`
	Type          string `json:"type"`
	ParticipantID string `json:"participantId,omitempty"`
}

// Message types of the transcript and of the typing indicators relayed to
// the integration side.
const (
	MessageText          = "Text"
	MessageTypingStarted = "TypingStarted"
	MessageTypingStopped = "TypingStopped"
)

// TimestampLayout is how message times are written: UTC, milliseconds.
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// MessageOf shows a transcript entry.
func MessageOf(s fb.Said) Message {
	return Message{
		Index:            s.Index,
		From:             MessageFrom{Nickname: s.Nickname, Type: s.FromType, ParticipantID: s.ParticipantID},
		Text:             s.Text,
		Visibility:       fb.VisibilityAll,
		Timestamp:        s.At.UTC().Format(TimestampLayout),
		Type:             MessageText,
		TimestampSeconds: s.At.Unix(),
	}
}

// Typing shows an agent's typing indicator (MessageTypingStarted or
// MessageTypingStopped), stamped with when it was recorded.
func Typing(kind, nickname, agentID string, at time.Time) Message {
	return Message{
		From:             MessageFrom{Nickname: nickname, Type: fb.ParticipantAgent, ParticipantID: agentID},
		Visibility:       fb.VisibilityAll,
		Timestamp:        at.UTC().Format(TimestampLayout),
		Type:             kind,
		TimestampSeconds: at.Unix(),
	}
}
