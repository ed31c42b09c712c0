package commands

import (
	"context"
	"errors"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

// Store is what commands need of the event store: the log to decide on and
// append to, and the sequence referenceIds come from.
type Store interface {
	eventstore.Store
	eventstore.Sequences
}

// MaxAttempts bounds the decide-append loop of one command. Each conflict
// means another command on the same session won; a handful of retries
// outlasts any realistic burst on one session.
const MaxAttempts = 10

// Request is who asks and how they identify the request.
type Request struct {
	// Actor is the authenticated user's id.
	Actor string
	// RequestID identifies the HTTP request (X-Request-Id).
	RequestID string
	// IdempotencyKey, when set, makes a retry by the same actor return the
	// original result instead of running again.
	IdempotencyKey string
}

// Result is what a command did.
type Result struct {
	// ReferenceID links the request to its notification; 0 for intake.
	ReferenceID int64
	// State is the session after the command.
	State fb.State
	// Replayed tells that an earlier request with the same idempotency key
	// is being answered again, and nothing was appended.
	Replayed bool
}

// Handler runs commands. Safe for concurrent use.
type Handler struct {
	store  Store
	refs   *ReferenceIDs
	cache  *stateCache
	agents Agents
}

// Agents is the directory intake hands sessions to.
type Agents interface {
	// RequireAgent returns nil when id names a user who may be handed
	// sessions (users.ErrNotAgent otherwise).
	RequireAgent(ctx context.Context, id string) error
}

// WithAgents makes Start hand sessions only to the agents a accepts.
// Without it any valid id is taken, as in tests of the log alone.
func WithAgents(a Agents) Option {
	return func(h *Handler) { h.agents = a }
}

// DefaultCachedSessions bounds the sessions whose state a handler keeps:
// about a kilobyte each, more with large user data.
const DefaultCachedSessions = 10_000

// Option adjusts a Handler.
type Option func(*Handler)

// WithCachedSessions bounds the open sessions whose state the handler
// keeps (DefaultCachedSessions without it; 0 keeps none). With more open
// sessions than that, a Complete of one that was pushed out reads its
// stream first: one more round trip.
func WithCachedSessions(n int) Option {
	return func(h *Handler) { h.cache = newStateCache(n) }
}

// NewHandler returns a handler on store.
func NewHandler(store Store, opts ...Option) *Handler {
	h := &Handler{store: store, refs: NewReferenceIDs(store, 0), cache: newStateCache(DefaultCachedSessions)}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Start creates a session (intake). It carries no referenceId.
func (h *Handler) Start(ctx context.Context, r Request, cmd fb.Start) (Result, error) {
	// The agent comes first, before a retry is answered or the id is
	// judged taken: a session for nobody is refused whatever else holds.
	// An id that is not one at all is the aggregate's to reject.
	if h.agents != nil && fb.ValidID(cmd.AgentID) {
		if err := h.agents.RequireAgent(ctx, cmd.AgentID); err != nil {
			return Result{}, err
		}
	}
	return h.execute(ctx, cmd.SessionID, r, cmd, false)
}

// Complete completes a session, or queues it with a queue name.
func (h *Handler) Complete(ctx context.Context, r Request, sessionID string, cmd fb.Complete) (Result, error) {
	cmd.By = r.Actor
	return h.execute(ctx, sessionID, r, cmd, true)
}

func (h *Handler) execute(ctx context.Context, sessionID string, r Request, cmd fb.Command, withReference bool) (Result, error) {
	for attempt := 1; ; attempt++ {
		s, hit := h.cache.get(sessionID)
		var replay *Result
		if hit {
			replay = s.replay(r)
		} else {
			var err error
			if s, replay, err = h.load(ctx, sessionID, r); err != nil {
				return Result{}, err
			}
		}
		if replay != nil {
			return *replay, nil
		}
		events, err := fb.Decide(s.state, cmd)
		if err != nil {
			return Result{}, err
		}
		var ref int64
		if withReference {
			if ref, err = h.refs.Next(ctx); err != nil {
				return Result{}, err
			}
		}
		res, after, err := h.append(ctx, sessionID, s, r, ref, events)
		switch {
		case err == nil && after.state.Status == fb.StatusCompleted:
			h.cache.drop(sessionID) // done: a retry reads the stream
		case err == nil:
			h.cache.put(sessionID, after)
		case errors.Is(err, eventstore.ErrConcurrency):
			h.cache.drop(sessionID)
			if attempt < MaxAttempts {
				continue
			}
		default:
			// The append may have committed before the error (a lost
			// connection): the cached state can no longer be trusted.
			h.cache.drop(sessionID)
		}
		return res, err
	}
}

// loaded is a folded stream.
type loaded struct {
	state   fb.State
	version int64
	head    []byte // hash of the last event
	// keys are the idempotency keys used on the stream, by actor and key,
	// with the referenceId answered.
	keys map[[2]string]int64
}

// replay is the earlier result for r's idempotency key, if any.
func (s loaded) replay(r Request) *Result {
	if r.IdempotencyKey == "" {
		return nil
	}
	ref, ok := s.keys[[2]string{r.Actor, r.IdempotencyKey}]
	if !ok {
		return nil
	}
	return &Result{ReferenceID: ref, Replayed: true, State: s.state}
}

// load folds the stream read from the store, and returns the earlier
// result for r's idempotency key, if the actor used it on the stream.
func (h *Handler) load(ctx context.Context, sessionID string, r Request) (loaded, *Result, error) {
	records, err := h.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(sessionID)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return loaded{}, nil, nil
	}
	if err != nil {
		return loaded{}, nil, err
	}
	var s loaded
	for i := range records {
		rec := &records[i]
		if s.state, err = sessionlog.EvolveRecord(s.state, rec); err != nil {
			return loaded{}, nil, err
		}
		s.version, s.head = rec.Version, rec.Hash
		if meta, err := sessionlog.DecodeMetadata(rec.Metadata); err == nil && meta.IdempotencyKey != "" {
			if s.keys == nil {
				s.keys = map[[2]string]int64{}
			}
			s.keys[[2]string{meta.Actor, meta.IdempotencyKey}] = meta.ReferenceID
		}
	}
	return s, s.replay(r), nil
}

// append appends the decided events, and the view of the state they make,
// and returns the result and the stream as it is after them.
func (h *Handler) append(ctx context.Context, sessionID string, s loaded, r Request, ref int64, events []fb.Event) (Result, loaded, error) {
	meta, err := sessionlog.EncodeMetadata(sessionlog.Metadata{
		Actor:          r.Actor,
		ReferenceID:    ref,
		RequestID:      r.RequestID,
		IdempotencyKey: r.IdempotencyKey,
	})
	if err != nil {
		return Result{}, s, err
	}
	data := make([]eventstore.EventData, len(events))
	state := s.state
	for i, e := range events {
		body, err := sessionlog.Encode(e)
		if err != nil {
			return Result{}, s, err
		}
		data[i] = eventstore.EventData{Type: e.EventType(), SchemaVersion: sessionlog.SchemaVersion, Data: body, Metadata: meta}
		state = fb.Evolve(state, e)
	}
	view, err := sessionview.Encode(state)
	if err != nil {
		return Result{}, s, err
	}
	res, err := h.store.Append(ctx, &eventstore.AppendParams{
		StreamID:        sessionlog.StreamID(sessionID),
		ExpectedVersion: s.version,
		Head:            s.head,
		Events:          data,
		View:            view,
	})
	if err != nil {
		return Result{}, s, err
	}
	after := loaded{state: state, version: res.Version(), head: res.Events[len(res.Events)-1].Hash, keys: s.keys}
	if r.IdempotencyKey != "" {
		after.keys = make(map[[2]string]int64, len(s.keys)+1)
		for k, v := range s.keys {
			after.keys[k] = v
		}
		after.keys[[2]string{r.Actor, r.IdempotencyKey}] = ref
	}
	return Result{ReferenceID: ref, State: state}, after, nil
}
