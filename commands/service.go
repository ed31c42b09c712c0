package commands

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// Store is what commands need of the event store: the log to decide on and
// append to, and the sequence referenceIds come from.
type Store interface {
	eventstore.Store
	eventstore.Sequences
}

// MaxAttempts bounds the decide-append loop of one command. Each conflict
// means another command on the same aggregate won; a handful of retries
// outlasts any realistic burst on one aggregate.
const MaxAttempts = 10

// Request is who asks and how they identify the request.
type Request struct {
	// Actor is the authenticated user's id.
	Actor string
	// RequestID identifies the HTTP request (X-Request-Id).
	RequestID string
	// IdempotencyKey, when set, makes a retry by the same actor, of the
	// same operation on the same aggregate, return the original result
	// instead of running again; the key sent with another request for that
	// operation is ErrIdempotencyKeyReused. Requests are compared by their
	// Decider's Fingerprint, not by their bytes.
	IdempotencyKey string
}

// Outcome is what a command did to an aggregate.
type Outcome[S any] struct {
	// ReferenceID links the request to its notification; 0 when the
	// decision was Unreferenced or appended nothing.
	ReferenceID int64
	// State is the aggregate after the command, as its Decider keeps it.
	State S
	// Replayed tells that an earlier request with the same idempotency key
	// is being answered again, and nothing was appended.
	Replayed bool
}

// Service carries out the commands of one kind of aggregate: load (or
// take the kept state), validate, replay an idempotency key, authorize,
// decide, append with optimistic concurrency, retry on a conflict, and
// answer with a referenceId. Safe for concurrent use.
type Service[S any, C Command] struct {
	decider Decider[S, C]
	keeper  Keeper[S, C] // nil: nothing kept between commands
	store   Store
	refs    *ReferenceIDs
	cache   *streamCache[S]
	metrics *metrics
	now     func() time.Time
}

// NewService returns a service running decider's commands on store. A
// decider that is also a Keeper has its states kept, within the bounds
// of opts.
func NewService[S any, C Command](store Store, decider Decider[S, C], opts ...Option) *Service[S, C] {
	return newService(store, decider, newConfig(opts))
}

func newService[S any, C Command](store Store, decider Decider[S, C], cfg *config) *Service[S, C] {
	s := &Service[S, C]{decider: decider, store: store, refs: cfg.refs(store), metrics: cfg.metrics, now: cfg.now}
	if k, ok := decider.(Keeper[S, C]); ok {
		s.keeper = k
		s.cache = newStreamCache(cfg.cachedSessions, cfg.cacheBytes, k.Size)
	}
	return s
}

// Execute carries out cmd on the aggregate id.
func (s *Service[S, C]) Execute(ctx context.Context, r Request, id string, cmd C) (Outcome[S], error) {
	if err := s.decider.Validate(cmd); err != nil {
		return Outcome[S]{}, err
	}
	op := operation[C]{name: cmd.Operation(), cmd: cmd}
	if r.IdempotencyKey != "" {
		var err error
		if op.hash, err = s.decider.Fingerprint(cmd); err != nil {
			return Outcome[S]{}, err
		}
	}
	st, kept, err := s.current(ctx, r, id, op)
	if err != nil {
		return Outcome[S]{}, err
	}
	for attempt := 1; ; attempt++ {
		out, err := s.attempt(ctx, r, id, st, op)
		if err != nil && kept && !errors.Is(err, eventstore.ErrConcurrency) {
			// Refused on a kept state, which another process (or a
			// request of this one) may have overtaken: an append would
			// have found out, a refusal does not. The refusal stands only
			// if the stream has not moved.
			kept = false
			if fresh, moved, cerr := s.moved(ctx, id, st); cerr == nil && moved {
				s.cache.drop(id)
				st = fresh
				attempt--
				continue
			}
		}
		if !errors.Is(err, eventstore.ErrConcurrency) {
			return out, err
		}
		s.cache.drop(id)
		s.metrics.conflict(op.name, attempt < MaxAttempts)
		if attempt == MaxAttempts {
			return out, err
		}
		if st, err = s.catchUp(ctx, id, st); err != nil {
			return Outcome[S]{}, err
		}
	}
}

// operation is a command with what its execution needs to know.
type operation[C Command] struct {
	name string // recorded in the metadata; scopes idempotency keys
	cmd  C
	hash string // of the request, when it carries a key
}

// current is the stream of the aggregate id as op needs it: kept, or
// read from the store once the Decider's Gate, if any, admits the command.
// A request the gate refuses that carries a key may be a retry of one made
// while its sender could act (a Transfer that handed the session on): it
// gets the stream's use of that key alone, found a part at a time, and the
// gate's refusal when there is none.
func (s *Service[S, C]) current(ctx context.Context, r Request, id string, op operation[C]) (st stream[S], kept bool, err error) {
	if st, hit := s.cache.get(id); hit && !s.keeper.Lacks(st.state, op.cmd) {
		return st, true, nil
	}
	if g, ok := s.decider.(Gate[C]); ok {
		if refused := g.Admit(ctx, id, op.cmd); refused != nil {
			if r.IdempotencyKey == "" {
				return stream[S]{}, false, refused
			}
			st, err := s.keyUse(ctx, id, keyID{r.Actor, op.name, r.IdempotencyKey}, refused)
			return st, false, err
		}
	}
	st, err = s.load(ctx, id)
	return st, false, err
}

// moved tells whether the stream has events after st, and st with them.
func (s *Service[S, C]) moved(ctx context.Context, id string, st stream[S]) (stream[S], bool, error) {
	records, err := s.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: s.decider.StreamID(id), FromVersion: st.version + 1})
	switch {
	case errors.Is(err, eventstore.ErrNotFound):
		return st, false, nil
	case err != nil:
		return st, false, err
	}
	fresh, err := s.foldIn(ctx, id, st, records)
	return fresh, err == nil, err
}

// keyPart is how many events keyUse holds at a time.
const keyPart = 64

// keyUse is a stream holding only the use of key, read a part of the
// stream at a time with no fold, so that a refused request costs no more
// memory however long the stream; refused when the key was never used.
func (s *Service[S, C]) keyUse(ctx context.Context, id string, key keyID, refused error) (stream[S], error) {
	for from := int64(1); ; from += keyPart {
		records, err := s.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: s.decider.StreamID(id), FromVersion: from, Limit: keyPart})
		switch {
		case errors.Is(err, eventstore.ErrNotFound):
			return stream[S]{}, refused
		case err != nil:
			return stream[S]{}, err
		}
		var st stream[S]
		for i := range records {
			if st.remember(&records[i]); st.keys != nil {
				if use, ok := st.keys[key]; ok {
					return stream[S]{keys: map[keyID]keyUse{key: use}}, nil
				}
				st.keys = nil
			}
		}
		if len(records) < keyPart {
			return stream[S]{}, refused
		}
	}
}

// catchUp is st with the events appended since, read from the store: a
// conflict costs the events that won, not the whole stream. It reads the
// whole stream when the events cannot be folded into st (Evolve refuses),
// or there are none: the conflict was another history at st's version.
func (s *Service[S, C]) catchUp(ctx context.Context, id string, st stream[S]) (stream[S], error) {
	records, err := s.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: s.decider.StreamID(id), FromVersion: st.version + 1})
	if err != nil && !errors.Is(err, eventstore.ErrNotFound) {
		return stream[S]{}, err
	}
	if len(records) == 0 {
		return s.load(ctx, id)
	}
	return s.foldIn(ctx, id, st, records)
}

// foldIn is st with records, the events after it, folded in; the stream
// read whole when they do not continue st or cannot be folded into it.
func (s *Service[S, C]) foldIn(ctx context.Context, id string, st stream[S], records []eventstore.RecordedEvent) (stream[S], error) {
	if records[0].Version != st.version+1 {
		return s.load(ctx, id)
	}
	var err error
	if st.keys != nil {
		st.keys = maps.Clone(st.keys) // a kept stream shares its map
	}
	for i := range records {
		rec := &records[i]
		if st.state, err = s.decider.Evolve(st.state, rec); err != nil {
			return s.load(ctx, id)
		}
		st.version, st.head = rec.Version, rec.Hash
		st.remember(rec)
	}
	return st, nil
}

// attempt decides op on st and appends what it decides.
func (s *Service[S, C]) attempt(ctx context.Context, r Request, id string, st stream[S], op operation[C]) (Outcome[S], error) {
	// The key first: it is the sender's own, so its earlier answer reveals
	// nothing, and a retried Reject, Leave or Transfer must get that answer
	// although the aggregate is no longer theirs.
	switch replay, err := st.replay(r, op.name, op.hash); {
	case err != nil:
		return Outcome[S]{}, fmt.Errorf("%s of %s: %w", op.name, id, err)
	case replay != nil:
		return Outcome[S]{ReferenceID: replay.ref, State: st.state, Replayed: true}, nil
	}
	if err := s.decider.Authorize(ctx, st.state, op.cmd); err != nil {
		return Outcome[S]{}, err
	}
	d, err := s.decider.Decide(st.state, op.cmd, s.now())
	if err != nil {
		return Outcome[S]{}, err
	}
	if len(d.Events) == 0 {
		// A command that changes nothing (a capacity set to what it is, a
		// queue member added again): no append, and no referenceId for a
		// change that never happened.
		return Outcome[S]{State: d.After}, nil
	}
	var ref int64
	if !d.Unreferenced {
		if ref, err = s.refs.Next(ctx); err != nil {
			return Outcome[S]{}, err
		}
	}
	after, err := s.append(ctx, id, st, r, op, ref, d)
	switch {
	case errors.Is(err, eventstore.ErrConcurrency):
		return Outcome[S]{}, err
	case err != nil:
		// The append may have committed before the error (a lost
		// connection): the kept state can no longer be trusted.
		s.cache.drop(id)
		return Outcome[S]{}, err
	}
	s.keep(id, after)
	return Outcome[S]{ReferenceID: ref, State: d.After}, nil
}

// keep keeps a stream as its Keeper says, or forgets it.
func (s *Service[S, C]) keep(id string, st stream[S]) {
	if s.keeper == nil {
		return
	}
	if kept, ok := s.keeper.Keep(st.state); ok {
		st.state = kept
		s.cache.put(id, st)
		return
	}
	s.cache.drop(id)
}

// load folds the stream read from the store.
func (s *Service[S, C]) load(ctx context.Context, id string) (stream[S], error) {
	var st stream[S]
	records, err := s.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: s.decider.StreamID(id)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	for i := range records {
		rec := &records[i]
		if st.state, err = s.decider.Evolve(st.state, rec); err != nil {
			return stream[S]{}, err
		}
		st.version, st.head = rec.Version, rec.Hash
		st.remember(rec)
	}
	return st, nil
}

// append appends a decision's events, and its view, and returns the
// stream as it is after them.
func (s *Service[S, C]) append(ctx context.Context, id string, st stream[S], r Request, op operation[C], ref int64, d Decision[S]) (stream[S], error) {
	meta, err := sessionlog.EncodeMetadata(sessionlog.Metadata{
		Actor:          r.Actor,
		ReferenceID:    ref,
		RequestID:      r.RequestID,
		IdempotencyKey: r.IdempotencyKey,
		Operation:      op.name,
		RequestHash:    op.hash,
	})
	if err != nil {
		return st, err
	}
	for i := range d.Events {
		d.Events[i].Metadata = meta
	}
	res, err := s.store.Append(ctx, &eventstore.AppendParams{
		StreamID:        s.decider.StreamID(id),
		ExpectedVersion: st.version,
		Head:            st.head,
		Events:          d.Events,
		View:            d.View,
	})
	if err != nil {
		return st, err
	}
	after := stream[S]{state: d.After, version: res.Version(), head: res.Events[len(res.Events)-1].Hash, keys: st.keys}
	if r.IdempotencyKey != "" {
		after.keys = st.withKey(keyID{r.Actor, op.name, r.IdempotencyKey}, keyUse{ref: ref, hash: op.hash})
	}
	return after, nil
}
