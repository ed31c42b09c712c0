package messenger

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrNotMessenger: a signed body that is not a Page's webhook delivery.
var ErrNotMessenger = errors.New("messenger: not a Messenger delivery")

// Delivery is one POST of Meta's webhook, as documented in the Messenger
// Platform's webhook reference: entries of one object, "page".
type Delivery struct {
	Object string  `json:"object"`
	Entry  []Entry `json:"entry"`
}

// Entry is a Page's part of a delivery. Messaging are the events sent to
// the app with thread control; Standby those of a thread another app
// controls (handover protocol).
type Entry struct {
	ID        string      `json:"id"`
	Time      int64       `json:"time"`
	Messaging []Messaging `json:"messaging"`
	Standby   []Messaging `json:"standby"`
}

// Messaging is one webhook event; exactly one of its pointers is set for
// the fields fbsession handles.
type Messaging struct {
	Sender    Party     `json:"sender"`
	Recipient Party     `json:"recipient"`
	Timestamp int64     `json:"timestamp"`
	Message   *Message  `json:"message,omitempty"`
	Postback  *Postback `json:"postback,omitempty"`
	Read      *Read     `json:"read,omitempty"`
	Delivery  *Receipt  `json:"delivery,omitempty"`
}

// Party is a sender or a recipient: a PSID or a Page id.
type Party struct {
	ID string `json:"id"`
}

// Message is a message received (messages) or sent by the Page
// (message_echoes, IsEcho).
type Message struct {
	Mid         string       `json:"mid"`
	Text        string       `json:"text,omitempty"`
	IsEcho      bool         `json:"is_echo,omitempty"`
	AppID       json.Number  `json:"app_id,omitempty"`
	Metadata    string       `json:"metadata,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	QuickReply  *struct {
		Payload string `json:"payload"`
	} `json:"quick_reply,omitempty"`
}

// Attachment is an image, video, audio, file, location, template or
// fallback; URL-bearing ones carry payload.url.
type Attachment struct {
	Type    string `json:"type"`
	Payload struct {
		URL string `json:"url,omitempty"`
	} `json:"payload"`
}

// Postback is a button the customer tapped (messaging_postbacks).
type Postback struct {
	Mid     string `json:"mid,omitempty"`
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// Read is the customer's read watermark (message_reads): every message
// the Page sent before it was read.
type Read struct {
	Watermark int64 `json:"watermark"`
}

// Receipt is a delivery receipt (message_deliveries): the mids delivered,
// when given, and every message before the watermark.
type Receipt struct {
	Mids      []string `json:"mids,omitempty"`
	Watermark int64    `json:"watermark"`
}

// Parse reads a webhook body. A body that is not JSON, or not of the
// object "page", is ErrNotMessenger.
func Parse(body []byte) (Delivery, error) {
	var d Delivery
	if err := json.Unmarshal(body, &d); err != nil {
		return Delivery{}, fmt.Errorf("%w: %v", ErrNotMessenger, err)
	}
	if d.Object != "page" {
		return Delivery{}, fmt.Errorf("%w: object %q, not \"page\"", ErrNotMessenger, d.Object)
	}
	return d, nil
}
