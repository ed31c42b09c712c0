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
	// CustomerReceipt marks, in a transcript read, a message of the
	// agents' side as MessageDelivered to or MessageRead by the customer
	// on Messenger; absent before any receipt.
	CustomerReceipt string `json:"customerReceipt,omitempty"`
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
	// MessageNotice is the service telling the agent about the
	// conversation (a message Messenger did not deliver), from the
	// participant type ParticipantSystem; not a message of the transcript.
	MessageNotice = "Notice"
	// MessageRead and MessageDelivered are Messenger's receipts: the
	// messages of the transcript up to the timestamp were read by, or
	// reached the device of, the customer.
	MessageRead      = "Read"
	MessageDelivered = "Delivered"
	// ParticipantSystem writes notices.
	ParticipantSystem = "System"
)

// Notice is a notice to the agent about message index, stamped at.
func Notice(index int, text string, at time.Time) Message {
	return Message{
		Index:            index,
		From:             MessageFrom{Nickname: "Messenger", Type: ParticipantSystem},
		Text:             text,
		Visibility:       fb.VisibilityAll,
		Timestamp:        at.UTC().Format(TimestampLayout),
		Type:             MessageNotice,
		TimestampSeconds: at.Unix(),
	}
}

// Receipt is a customer's receipt (MessageRead or MessageDelivered) of
// the messages up to watermark.
func Receipt(kind, customer string, watermark time.Time) Message {
	return Message{
		From:             MessageFrom{Nickname: customer, Type: fb.ParticipantCustomer},
		Visibility:       fb.VisibilityAll,
		Timestamp:        watermark.UTC().Format(TimestampLayout),
		Type:             kind,
		TimestampSeconds: watermark.Unix(),
	}
}

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

// TranscriptOf is a transcript page's messages, those of the agents' side
// marked with the customer's receipts: read or delivered up to the
// session's watermarks.
func TranscriptOf(said []fb.Said, readUpTo, deliveredUpTo time.Time) []Message {
	out := make([]Message, len(said))
	for i, s := range said {
		out[i] = MessageOf(s)
		if s.FromType == fb.ParticipantCustomer {
			continue
		}
		switch {
		case !readUpTo.IsZero() && !s.At.After(readUpTo):
			out[i].CustomerReceipt = MessageRead
		case !deliveredUpTo.IsZero() && !s.At.After(deliveredUpTo):
			out[i].CustomerReceipt = MessageDelivered
		}
	}
	return out
}
