package commands

import (
	"maps"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/bytelru"
	"github.com/fbsession/fbsession/sessionlog"
)

// stream is an aggregate's stream as a Service decides on it: the state
// its Decider folds, where an append must continue it, and the
// idempotency keys used on it.
type stream[S any] struct {
	state   S
	version int64
	head    []byte // hash of the last event
	// keys are the idempotency keys used on the stream, in their scope,
	// with what they were used for.
	keys map[keyID]keyUse
}

// remember records the idempotency key a stored event was appended with.
func (st *stream[S]) remember(rec *eventstore.RecordedEvent) {
	meta, err := sessionlog.ReadMetadata(rec)
	if err != nil || meta.IdempotencyKey == "" {
		return
	}
	if st.keys == nil {
		st.keys = map[keyID]keyUse{}
	}
	st.keys[keyID{meta.Actor, meta.Operation, meta.IdempotencyKey}] = keyUse{ref: meta.ReferenceID, hash: meta.RequestHash}
}

// withKey is the stream's keys and one more: a copy, since a kept stream
// shares its map with the requests that read it.
func (st *stream[S]) withKey(k keyID, use keyUse) map[keyID]keyUse {
	keys := make(map[keyID]keyUse, len(st.keys)+1)
	maps.Copy(keys, st.keys)
	keys[k] = use
	return keys
}

// replay is the earlier use of r's idempotency key for the operation, if
// the request is the one it was used for (fingerprint hash);
// ErrIdempotencyKeyReused if the key came with another request.
func (st *stream[S]) replay(r Request, operation, hash string) (*keyUse, error) {
	if r.IdempotencyKey == "" {
		return nil, nil
	}
	use, ok := st.keys[keyID{r.Actor, operation, r.IdempotencyKey}]
	switch {
	case !ok:
		return nil, nil
	case use.hash != "" && use.hash != hash:
		return nil, ErrIdempotencyKeyReused
	}
	return &use, nil
}

// size estimates the memory a kept stream takes beyond its state: what a
// client controls is counted exactly.
func (st stream[S]) size() int {
	n := bytelru.EntryOverhead + len(st.head)
	for k, use := range st.keys {
		n += 64 + len(k.actor) + len(k.operation) + len(k.key) + len(use.hash)
	}
	return n
}
