package cometd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Channel is the channel every notification of the user's sessions is
// delivered on.
const Channel = "/v2/me/facebooksession"

// ChannelsChannel is the channel the notifications of the user's own
// channel states (ChannelStateChangeMessageV2) are delivered on.
const ChannelsChannel = "/v2/me/channels"

// The subscriptions over /v2/me that GWS desktops make: every channel
// of the user. Desktops subscribe to the channels themselves or to a
// wildcard, which gets the messages of both (mine, mayReceive).
const (
	wildcardChannels    = "/v2/me/*"
	wildcardAllChannels = "/v2/me/**"
)

const (
	metaHandshake   = "/meta/handshake"
	metaConnect     = "/meta/connect"
	metaSubscribe   = "/meta/subscribe"
	metaUnsubscribe = "/meta/unsubscribe"
	metaDisconnect  = "/meta/disconnect"

	transportLongPolling = "long-polling"
	transportWebSocket   = "websocket"

	bayeuxVersion = "1.0"
)

// connectionTypes is what the handshake offers, in the order of
// preference the CometD client negotiates with.
func connectionTypes() []string { return []string{transportWebSocket, transportLongPolling} }

// message is a Bayeux message as a client sends it, with only the fields
// the server reads; ext and data are ignored.
type message struct {
	Channel                  string          `json:"channel"`
	ClientID                 string          `json:"clientId,omitempty"`
	ID                       json.RawMessage `json:"id,omitempty"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes,omitempty"`
	ConnectionType           string          `json:"connectionType,omitempty"`
	// Subscription is a channel or, in some clients, an array of them;
	// the reply echoes it as sent.
	Subscription json.RawMessage `json:"subscription,omitempty"`
	Advice       *clientAdvice   `json:"advice,omitempty"`
}

// clientAdvice is what a client may ask of a /meta/connect: CometD sends
// timeout 0 on its first connect and after a reconnection, so that the
// reply comes at once and its listeners learn they are connected.
type clientAdvice struct {
	Timeout *int64 `json:"timeout,omitempty"`
}

// subscriptions are the channels a subscribe or unsubscribe names.
func (m *message) subscriptions() ([]string, error) {
	raw := bytes.TrimSpace(m.Subscription)
	if len(raw) == 0 {
		return nil, errors.New("no subscription")
	}
	if raw[0] == '[' {
		var s []string
		if err := json.Unmarshal(raw, &s); err != nil || len(s) == 0 {
			return nil, errors.New("subscription: not a channel or an array of channels")
		}
		return s, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return nil, errors.New("subscription: not a channel or an array of channels")
	}
	return []string{s}, nil
}

// reply is a message the server answers one of a client's with.
type reply struct {
	Channel                  string          `json:"channel"`
	ID                       json.RawMessage `json:"id,omitempty"`
	ClientID                 string          `json:"clientId,omitempty"`
	Successful               bool            `json:"successful"`
	Error                    string          `json:"error,omitempty"`
	Version                  string          `json:"version,omitempty"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes,omitempty"`
	Subscription             json.RawMessage `json:"subscription,omitempty"`
	Advice                   *advice         `json:"advice,omitempty"`
}

// advice is always sent whole: the CometD client replaces its advice with
// each one it receives, falling back to its own defaults for any field
// left out.
type advice struct {
	Reconnect   string `json:"reconnect"`
	Interval    int64  `json:"interval"`
	Timeout     int64  `json:"timeout"`
	MaxInterval int64  `json:"maxInterval"`
}

const (
	reconnectRetry     = "retry"
	reconnectHandshake = "handshake"
	reconnectNone      = "none"
)

// Bayeux errors are "code:args:text".
const (
	errUnknownClient  = "402::Unknown client"
	errAuthentication = "401::Authentication failed"
	errThrottled      = "429::Too many failed logins"
	errNoPermission   = "403::The api-multimedia feature is needed"
	errUnavailable    = "503::Service unavailable"
	errShuttingDown   = "503::Server shutting down"
	errUserLimit      = "429::Too many clients for this user"
	errTotalLimit     = "503::Too many clients"
	errConnectionType = "406::Unsupported connection types"
	errUnknownChannel = "400::Unknown meta channel"
	errBadMessage     = "400::Bad message"
)

func errForbiddenSubscription(channel string) string {
	return fmt.Sprintf("403:%s:Subscription forbidden", channel)
}

func errPublishDenied(channel string) string {
	return fmt.Sprintf("403:%s:Publish denied", channel)
}

func (r *reply) encode() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		// Every field is a string, a number or already valid JSON.
		panic(fmt.Sprintf("cometd: encoding a reply: %v", err))
	}
	return b
}

// dataMessage is the Bayeux message carrying one notification on channel.
// body was checked to be JSON and is embedded as it came from NATS, so
// that data is byte for byte the NATS body.
func dataMessage(channel string, body []byte) []byte {
	b := make([]byte, 0, len(channel)+len(body)+24)
	b = append(b, `{"channel":"`...)
	b = append(b, channel...)
	b = append(b, `","data":`...)
	b = append(b, body...)
	return append(b, '}')
}

// maxBatch bounds the messages of one request: clients batch a handful.
const maxBatch = 100

// decodeBatch reads a request: an array of messages, or one message.
func decodeBatch(body []byte) ([]message, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("empty request")
	}
	if body[0] != '[' {
		var m message
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, fmt.Errorf("decoding a Bayeux message: %w", err)
		}
		return []message{m}, nil
	}
	var ms []message
	if err := json.Unmarshal(body, &ms); err != nil {
		return nil, fmt.Errorf("decoding a Bayeux batch: %w", err)
	}
	if len(ms) == 0 {
		return nil, errors.New("empty batch")
	}
	if len(ms) > maxBatch {
		return nil, fmt.Errorf("batch of %d messages, at most %d", len(ms), maxBatch)
	}
	return ms, nil
}

// encodeBatch is the JSON array of already encoded messages.
func encodeBatch(items [][]byte) []byte {
	n := 2
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, ']')
}
