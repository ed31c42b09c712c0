package sessionlog

import (
	"encoding/json"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
)

// Metadata is what each append of a session records about its cause: who
// caused it and which request did. The store hashes and returns these bytes
// without reading them.
type Metadata struct {
	// Actor is the id of the authenticated user who caused the event.
	Actor string `json:"actor,omitempty"`
	// ReferenceID is the referenceId answered to the request and carried by
	// its notification.
	ReferenceID int64 `json:"referenceId,omitempty"`
	// RequestID identifies the HTTP request (X-Request-Id), so that an
	// event can be traced to the request and its logs (docs/API.md, audit).
	RequestID string `json:"requestId,omitempty"`
	// IdempotencyKey is the client's Idempotency-Key header: a retry with
	// the same key by the same actor, for the same operation on the same
	// session, is answered from these events.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// Operation names what the request did ("intake", "Complete"), so that
	// a key is scoped to it. Where it is absent, the event's type tells
	// the operation (ReadMetadata).
	Operation string `json:"operation,omitempty"`
	// RequestHash fingerprints the request an IdempotencyKey came with
	// (hex SHA-256), so that the key reused with another request is told
	// apart from a retry. Empty without a key, and in the oldest events,
	// before it was recorded.
	RequestHash string `json:"requestHash,omitempty"`
}

// EncodeMetadata serialises the metadata of an append.
func EncodeMetadata(m Metadata) ([]byte, error) { return json.Marshal(m) }

// DecodeMetadata reads the metadata of a recorded event; empty metadata is
// the zero Metadata.
func DecodeMetadata(raw []byte) (Metadata, error) {
	var m Metadata
	if len(raw) == 0 {
		return m, nil
	}
	err := json.Unmarshal(raw, &m)
	return m, err
}

// ReadMetadata is the metadata of a stored event, upcast: events appended
// before the operation was recorded get the one their type tells.
func ReadMetadata(rec *eventstore.RecordedEvent) (Metadata, error) {
	m, err := DecodeMetadata(rec.Metadata)
	if err != nil || m.Operation != "" {
		return m, err
	}
	if rec.Type == fb.TypeSessionStarted {
		m.Operation = fb.OperationIntake
	} else {
		m.Operation = fb.OperationComplete
	}
	return m, nil
}
