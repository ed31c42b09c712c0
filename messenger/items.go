package messenger

import (
	"strings"
	"time"
)

// Kind is what an inbound item is.
type Kind string

// The kinds of items a delivery holds.
const (
	KindMessage  Kind = "message"  // the customer wrote (text, attachments, quick reply)
	KindPostback Kind = "postback" // the customer tapped a button
	KindEcho     Kind = "echo"     // the Page sent a message (ours or typed in the Page inbox)
	KindRead     Kind = "read"     // the customer read up to a watermark
	KindDelivery Kind = "delivery" // messages reached the customer's device
	KindStandby  Kind = "standby"  // an event of a thread another app controls
	KindOther    Kind = "other"    // a field fbsession does not handle
)

// Item is one webhook event, typed, with the conversation it belongs to:
// the Page and the customer's PSID, whichever of sender and recipient
// each is.
type Item struct {
	// Index is the item's place in its delivery, from 0, over every
	// entry's messaging then standby events.
	Index int
	Kind  Kind
	Page  string
	PSID  string
	// Mid identifies a message, a postback or an echo.
	Mid  string
	Text string
	// Attachments are "type: url" lines, or the type alone.
	Attachments []string
	// Metadata is an echo's: what the app that sent it put there.
	Metadata string
	// AppID is the app that sent an echo.
	AppID     string
	Watermark int64
	Mids      []string
	// Timestamp is Meta's, in milliseconds since the epoch.
	Timestamp int64
}

// At is the item's timestamp as a time.
func (i Item) At() time.Time { return time.UnixMilli(i.Timestamp).UTC() }

// Body is what the item says as transcript text: the text, then each
// attachment on a line of its own; a postback's title.
func (i Item) Body() string {
	parts := make([]string, 0, 1+len(i.Attachments))
	if i.Text != "" {
		parts = append(parts, i.Text)
	}
	parts = append(parts, i.Attachments...)
	return strings.Join(parts, "\n")
}

// Items flattens a delivery into its items, in order.
func (d Delivery) Items() []Item {
	var out []Item
	for _, e := range d.Entry {
		for _, m := range e.Messaging {
			out = append(out, item(len(out), e.ID, m, false))
		}
		for _, m := range e.Standby {
			out = append(out, item(len(out), e.ID, m, true))
		}
	}
	return out
}

func item(index int, page string, m Messaging, standby bool) Item {
	it := Item{Index: index, Page: page, PSID: m.Sender.ID, Timestamp: m.Timestamp, Kind: KindOther}
	if page == "" {
		it.Page = m.Recipient.ID
	}
	switch {
	case m.Message != nil && m.Message.IsEcho:
		// The Page is the sender of its echo; the customer the recipient.
		it.Kind, it.PSID = KindEcho, m.Recipient.ID
		it.Mid, it.Text, it.Metadata, it.AppID = m.Message.Mid, m.Message.Text, m.Message.Metadata, m.Message.AppID.String()
		it.Attachments = attachments(m.Message.Attachments)
	case m.Message != nil:
		it.Kind, it.Mid, it.Text = KindMessage, m.Message.Mid, m.Message.Text
		it.Attachments = attachments(m.Message.Attachments)
	case m.Postback != nil:
		it.Kind, it.Mid, it.Text = KindPostback, m.Postback.Mid, m.Postback.Title
		if it.Text == "" {
			it.Text = m.Postback.Payload
		}
	case m.Read != nil:
		it.Kind, it.Watermark = KindRead, m.Read.Watermark
	case m.Delivery != nil:
		it.Kind, it.Watermark, it.Mids = KindDelivery, m.Delivery.Watermark, m.Delivery.Mids
	}
	if standby {
		it.Kind = KindStandby
	}
	return it
}

func attachments(as []Attachment) []string {
	var out []string
	for _, a := range as {
		if a.Payload.URL != "" {
			out = append(out, a.Type+": "+a.Payload.URL)
		} else {
			out = append(out, a.Type)
		}
	}
	return out
}
