package messenger

import (
	"encoding/json"
	"strings"
	"time"
)

// Event types of the connector's streams. Never rename one.
const (
	// TypeDeliveryReceived is a signed delivery, stored before the 200.
	TypeDeliveryReceived = "MessengerDeliveryReceived"
	// TypeDeliveryRefused is a signed body that is not a Messenger
	// delivery: answered 200 so that Meta stops, kept for whoever asks why.
	TypeDeliveryRefused = "MessengerDeliveryRefused"
	// TypeThreadSessionOpened is a thread's new session.
	TypeThreadSessionOpened = "ThreadSessionOpened"
)

// SchemaVersion of the connector's events.
const SchemaVersion = 1

// DeliveryStreamPrefix names the streams of deliveries, one each.
const DeliveryStreamPrefix = "messenger-delivery-"

// ThreadStreamPrefix names the streams of threads.
const ThreadStreamPrefix = "messenger-thread-"

// IsDeliveryStream tells a delivery's stream.
func IsDeliveryStream(id string) bool { return strings.HasPrefix(id, DeliveryStreamPrefix) }

// ThreadStreamID is the stream of the Page's thread with psid.
func ThreadStreamID(page, psid string) string { return ThreadStreamPrefix + page + "-" + psid }

// DeliveryRecorded is the data of both delivery events: the raw body as
// Meta signed it (a JSON document, or a string when it is not JSON),
// when it came, and why it was refused.
type DeliveryRecorded struct {
	Body       json.RawMessage `json:"body"`
	ReceivedAt time.Time       `json:"receivedAt"`
	Reason     string          `json:"reason,omitempty"`
}

// EncodeDelivery is a delivery event's data. A body that is not JSON is
// kept as a JSON string.
func EncodeDelivery(body []byte, at time.Time, reason string) ([]byte, error) {
	raw := json.RawMessage(body)
	if !json.Valid(body) {
		s, err := json.Marshal(string(body))
		if err != nil {
			return nil, err
		}
		raw = s
	}
	return json.Marshal(DeliveryRecorded{Body: raw, ReceivedAt: at.UTC(), Reason: reason})
}

// DecodeDelivery reads a delivery event's data.
func DecodeDelivery(data []byte) (DeliveryRecorded, error) {
	var d DeliveryRecorded
	err := json.Unmarshal(data, &d)
	return d, err
}
