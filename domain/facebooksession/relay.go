package facebooksession

import (
	"fmt"
	"time"
)

// ChannelMessenger marks a session the Messenger connector started: its
// agents' messages are relayed to the customer through the Send API, within
// Messenger's windows (docs/MESSENGER.md).
const ChannelMessenger = "messenger"

// Messenger's windows after the customer's last message: the standard one,
// in which any message is a RESPONSE, and the human agent tag's, after
// which a Page may no longer write to the customer.
const (
	StandardWindow   = 24 * time.Hour
	HumanAgentWindow = 7 * 24 * time.Hour
)

// The Send API's messaging types and the tag the relay uses.
const (
	MessagingResponse   = "RESPONSE"
	MessagingMessageTag = "MESSAGE_TAG"
	TagHumanAgent       = "HUMAN_AGENT"
	// MessagingPageInbox marks a message typed in the Page's inbox, which
	// Meta delivered already: its echo recorded it.
	MessagingPageInbox = "PAGE_INBOX"
)

// Window is how a Page may write to a customer whose last message was at
// last, at now: RESPONSE within 24 h, MESSAGE_TAG with HUMAN_AGENT up to 7
// days, not at all (ok false) after.
func Window(last, now time.Time) (messagingType, tag string, ok bool) {
	age := now.Sub(last)
	switch {
	case age <= StandardWindow:
		return MessagingResponse, "", true
	case age <= HumanAgentWindow:
		return MessagingMessageTag, TagHumanAgent, true
	}
	return "", "", false
}

// Operations of the relay and of the inbox on Messenger sessions: the
// integration side's, not offered over HTTP.
const (
	OperationRelaySending = "RelaySending"
	OperationRelayOutcome = "RelayOutcome"
	OperationPageMessage  = "PageMessage"
	OperationMarkRead     = "CustomerReceipt"
)

// RelaySending records that the relay is about to send message Index
// (its Attempt-th send): a send may have left if no outcome follows.
type RelaySending struct {
	Index         int
	Attempt       int
	MessagingType string
	Tag           string
}

// RelayOutcome records what became of the send of message Index: sent,
// with Meta's MessageID and the messaging type and tag used; or, with a
// Code, undeliverable for Reason.
type RelayOutcome struct {
	Index         int
	MessageID     string
	MessagingType string
	Tag           string
	Code          int
	Reason        string
}

// PageMessage is a message the Page wrote from its own inbox, seen in its
// echo (Mid): a message of the transcript from the Page, delivered already.
type PageMessage struct {
	PageID string
	Mid    string
	Text   string
	// At is when the service recorded it.
	At time.Time
}

// CustomerReceipt records the customer's device receiving (Delivered) or
// the customer reading the Page's messages up to Watermark.
type CustomerReceipt struct {
	Delivered bool
	Watermark time.Time
}

func (RelaySending) Operation() string    { return OperationRelaySending }
func (RelayOutcome) Operation() string    { return OperationRelayOutcome }
func (PageMessage) Operation() string     { return OperationPageMessage }
func (CustomerReceipt) Operation() string { return OperationMarkRead }

// Event types of the relay.
const (
	TypeMessageSending       = "MessageSending"
	TypeMessageRelayed       = "MessageRelayed"
	TypeMessageUndeliverable = "MessageUndeliverable"
	TypeCustomerRead         = "CustomerRead"
	TypeMessagesDelivered    = "MessagesDelivered"
)

// MessageSending records the intent to send message Index to Messenger.
type MessageSending struct {
	Index   int
	Attempt int
	// MessagingType and Tag are what the send carries: the window's
	// decision, recorded before the send.
	MessagingType string
	Tag           string
}

// MessageRelayed records that message Index reached Messenger: Meta's
// MessageID, and the messaging type and tag it was sent with.
type MessageRelayed struct {
	Index         int
	MessageID     string
	MessagingType string
	Tag           string
}

// MessageUndeliverable records that message Index will not reach the
// customer: Meta's error Code and its Reason.
type MessageUndeliverable struct {
	Index  int
	Code   int
	Reason string
}

// CustomerRead and MessagesDelivered record Messenger's receipts: the
// Page's messages before Watermark were read, or reached the customer's
// device.
type (
	CustomerRead      struct{ Watermark time.Time }
	MessagesDelivered struct{ Watermark time.Time }
)

func (MessageSending) EventType() string       { return TypeMessageSending }
func (MessageRelayed) EventType() string       { return TypeMessageRelayed }
func (MessageUndeliverable) EventType() string { return TypeMessageUndeliverable }
func (CustomerRead) EventType() string         { return TypeCustomerRead }
func (MessagesDelivered) EventType() string    { return TypeMessagesDelivered }

// PageNickname is how a message typed in the Page's inbox appears.
const PageNickname = "Page"

// decideRelay decides the relay's and the inbox's commands on a Messenger
// session.
func decideRelay(s State, cmd Command) ([]Event, error) {
	if s.Channel != ChannelMessenger {
		return nil, fmt.Errorf("%w: session %s did not come from Messenger", ErrInvalidState, s.ID)
	}
	switch cmd := cmd.(type) {
	case RelaySending:
		if cmd.Index < 1 || cmd.Index > s.Messages {
			return nil, fmt.Errorf("%w: session %s has no message %d", ErrInvalid, s.ID, cmd.Index)
		}
		return []Event{MessageSending(cmd)}, nil
	case RelayOutcome:
		if cmd.Index < 1 || cmd.Index > s.Messages {
			return nil, fmt.Errorf("%w: session %s has no message %d", ErrInvalid, s.ID, cmd.Index)
		}
		if cmd.Code != 0 {
			return []Event{MessageUndeliverable{Index: cmd.Index, Code: cmd.Code, Reason: cmd.Reason}}, nil
		}
		return []Event{MessageRelayed{Index: cmd.Index, MessageID: cmd.MessageID, MessagingType: cmd.MessagingType, Tag: cmd.Tag}}, nil
	case PageMessage:
		if s.Ended || s.Closed() || s.Full() {
			return nil, fmt.Errorf("%w: session %s takes no more messages", ErrInvalidState, s.ID)
		}
		i := s.Messages + 1
		return []Event{
			AgentMessageSent{Message: Message{Index: i, Nickname: PageNickname, ParticipantID: cmd.PageID, Text: cmd.Text, At: cmd.At}},
			MessageRelayed{Index: i, MessageID: cmd.Mid, MessagingType: MessagingPageInbox},
		}, nil
	case CustomerReceipt:
		if cmd.Delivered {
			return []Event{MessagesDelivered{Watermark: cmd.Watermark}}, nil
		}
		return []Event{CustomerRead{Watermark: cmd.Watermark}}, nil
	}
	return nil, fmt.Errorf("%w: unknown command %T", ErrInvalid, cmd)
}

// refuseLate refuses an agent's message on a Messenger session once the
// customer's last message is older than Messenger lets a Page answer.
func refuseLate(s State, at time.Time) error {
	if s.Channel != ChannelMessenger || s.CustomerAt.IsZero() {
		return nil
	}
	if _, _, ok := Window(s.CustomerAt, at); !ok {
		return fmt.Errorf("%w: session %s: the customer's last message (%s) is more than 7 days old: Messenger no longer lets the Page write to them",
			ErrInvalidState, s.ID, s.CustomerAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// ReceivedDateLayout is how intake's receivedDate is written.
const ReceivedDateLayout = "2006-01-02T15:04:05.000-0700"

// ParseReceivedDate reads a receivedDate; the zero time when it is not
// one.
func ParseReceivedDate(s string) time.Time {
	t, err := time.Parse(ReceivedDateLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
