package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	// IdempotencyKey, when set, makes a retry by the same actor, of the
	// same operation on the same session, return the original result
	// instead of running again; the key sent with another request for that
	// operation is ErrIdempotencyKeyReused. Requests are compared by a
	// fingerprint of the command (requestHash), not by their bytes.
	IdempotencyKey string
}

// Result is what a command did.
type Result struct {
	// ReferenceID links the request to its notification; 0 for intake.
	ReferenceID int64
	// State is the session after the command; without its user data
	// when the command neither read nor changed it (see stateCache).
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
	// metrics, when set by WithMetrics, count conflicts and retries.
	metrics *metrics

	cachedSessions, cacheBytes int // the cache's bounds, until it is made
	// now stamps the messages; time.Now unless WithClock.
	now func() time.Time
}

// WithClock sets the clock that stamps messages, for tests.
func WithClock(now func() time.Time) Option {
	return func(h *Handler) { h.now = now }
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

// DefaultCachedSessions bounds the sessions whose state a handler keeps.
const DefaultCachedSessions = 10_000

// DefaultCacheBytes bounds the memory those states take: kept without
// their user data, they are still the client's to size (participants, a
// comment), so sessions alone do not bound it.
const DefaultCacheBytes = 16 << 20

// Option adjusts a Handler.
type Option func(*Handler)

// WithCachedSessions bounds the open sessions whose state the handler
// keeps (DefaultCachedSessions without it; 0 keeps none). With more open
// sessions than that, a Complete of one that was pushed out reads its
// stream first: one more round trip.
func WithCachedSessions(n int) Option {
	return func(h *Handler) { h.cachedSessions = n }
}

// WithCacheBytes bounds the memory the kept states take, estimated from
// their sizes (DefaultCacheBytes without it; 0 keeps none). The first
// bound reached evicts the least recently used.
func WithCacheBytes(n int) Option {
	return func(h *Handler) { h.cacheBytes = n }
}

// NewHandler returns a handler on store.
func NewHandler(store Store, opts ...Option) *Handler {
	h := &Handler{store: store, refs: NewReferenceIDs(store, 0), cachedSessions: DefaultCachedSessions, cacheBytes: DefaultCacheBytes, now: time.Now}
	for _, o := range opts {
		o(h)
	}
	h.cache = newStateCache(h.cachedSessions, h.cacheBytes)
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
	return h.execute(ctx, cmd.SessionID, r, operation{name: OperationIntake, cmd: cmd})
}

// Complete completes a session, or queues it with a queue name.
func (h *Handler) Complete(ctx context.Context, r Request, sessionID string, cmd fb.Complete) (Result, error) {
	cmd.By = r.Actor
	return h.Operate(ctx, r, sessionID, cmd)
}

// Operate carries out an operation on an existing session: an agent's
// (whose By the caller sets to the authenticated user), or the integration
// side's. It answers with a new referenceId. The input is judged first, as
// the aggregate does, so that a bad request gets the same answer whatever
// the session; then who asks; then the idempotency key; then the state.
func (h *Handler) Operate(ctx context.Context, r Request, sessionID string, cmd fb.Command) (Result, error) {
	if _, isStart := cmd.(fb.Start); isStart {
		return Result{}, fmt.Errorf("%w: intake is Start, not an operation", fb.ErrInvalid)
	}
	if err := fb.Validate(cmd); err != nil {
		return Result{}, err
	}
	return h.execute(ctx, sessionID, r, operation{name: cmd.Operation(), cmd: cmd, withReference: true,
		authorize: func(s fb.State) error {
			if err := fb.Authorize(s, cmd); err != nil {
				return fmt.Errorf("session %s: %w", sessionID, err)
			}
			// The agent a session is handed to must be one, as at intake;
			// asked only of whoever may act on the session.
			if target := handedTo(cmd); target != "" && h.agents != nil {
				return h.agents.RequireAgent(ctx, target)
			}
			return nil
		}})
}

// stamped gives the commands that record when they happened the time
// the service decides on them: taken at each attempt, so that a message
// that lost an append race is not stamped before the one that won.
func stamped(cmd fb.Command, now time.Time) fb.Command {
	switch c := cmd.(type) {
	case fb.SendMessage:
		c.At = now
		return c
	case fb.CustomerMessage:
		c.At = now
		return c
	}
	return cmd
}

// handedTo is the agent a command hands the session to, if any.
func handedTo(cmd fb.Command) string {
	switch c := cmd.(type) {
	case fb.Transfer:
		return c.TargetAgent
	case fb.Route:
		return c.AgentID
	}
	return ""
}

// operation is a command with what its execution needs to know.
type operation struct {
	name string // recorded in the metadata; scopes idempotency keys
	cmd  fb.Command
	// withReference: the result carries a new referenceId.
	withReference bool
	// authorize, when set, refuses an actor who may not run the command on
	// the session, once no earlier answer to the same key is found.
	authorize func(fb.State) error
	hash      string // of the request, when it carries a key
}

func (h *Handler) execute(ctx context.Context, sessionID string, r Request, op operation) (Result, error) {
	if r.IdempotencyKey != "" {
		var err error
		if op.hash, err = requestHash(op.cmd); err != nil {
			return Result{}, err
		}
	}
	for attempt := 1; ; attempt++ {
		s, hit := h.cache.get(sessionID)
		if !hit || (s.slim && fb.UsesUserData(op.cmd)) {
			var err error
			if s, err = h.load(ctx, sessionID); err != nil {
				return Result{}, err
			}
		}
		// The key first: it is the sender's own, so its earlier answer
		// reveals nothing, and a retried Reject, Leave or Transfer must get
		// that answer although the session is no longer theirs.
		replay, err := s.replay(r, op)
		if err != nil {
			return Result{}, err
		}
		if replay != nil {
			return *replay, nil
		}
		if op.authorize != nil {
			if err := op.authorize(s.state); err != nil {
				return Result{}, err
			}
		}
		events, err := fb.Decide(s.state, stamped(op.cmd, h.now()))
		if err != nil {
			return Result{}, err
		}
		var ref int64
		if op.withReference {
			if ref, err = h.refs.Next(ctx); err != nil {
				return Result{}, err
			}
		}
		res, after, err := h.append(ctx, sessionID, s, r, op, ref, events)
		switch {
		case err == nil && after.state.Status == fb.StatusCompleted:
			h.cache.drop(sessionID) // done: a retry reads the stream
		case err == nil:
			h.cache.put(sessionID, after.slimmed())
		case errors.Is(err, eventstore.ErrConcurrency):
			h.cache.drop(sessionID)
			h.metrics.conflict(op.name, attempt < MaxAttempts)
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
	// slim: state.UserData was dropped, as the cache keeps states (see
	// slimmed); hasUserData tells whether the session has any.
	slim, hasUserData bool
	// userDataAt is the version of the event that last set the user data:
	// since when the view's detail is what it is.
	userDataAt int64
	// keys are the idempotency keys used on the stream, in their scope,
	// with what they were used for.
	keys map[keyID]keyUse
}

// replay is the earlier result for r's idempotency key, if op is the
// request the key was used for; ErrIdempotencyKeyReused if the key came
// with another request for the same operation.
func (s loaded) replay(r Request, op operation) (*Result, error) {
	if r.IdempotencyKey == "" {
		return nil, nil
	}
	use, ok := s.keys[keyID{r.Actor, op.name, r.IdempotencyKey}]
	switch {
	case !ok:
		return nil, nil
	case use.hash != "" && use.hash != op.hash:
		return nil, fmt.Errorf("%s of session %s: %w", op.name, s.state.ID, ErrIdempotencyKeyReused)
	}
	return &Result{ReferenceID: use.ref, Replayed: true, State: s.state}, nil
}

// load folds the stream read from the store.
func (h *Handler) load(ctx context.Context, sessionID string) (loaded, error) {
	records, err := h.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(sessionID)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return loaded{}, nil
	}
	if err != nil {
		return loaded{}, err
	}
	var s loaded
	for i := range records {
		rec := &records[i]
		if s.state, err = sessionlog.EvolveRecord(s.state, rec); err != nil {
			return loaded{}, err
		}
		s.version, s.head = rec.Version, rec.Hash
		if fb.SetsUserData(rec.Type) {
			s.userDataAt = rec.Version
		}
		if meta, err := sessionlog.DecodeMetadata(rec.Metadata); err == nil && meta.IdempotencyKey != "" {
			if s.keys == nil {
				s.keys = map[keyID]keyUse{}
			}
			s.keys[keyID{meta.Actor, operationOf(rec.Type, meta), meta.IdempotencyKey}] = keyUse{ref: meta.ReferenceID, hash: meta.RequestHash}
		}
	}
	return s, nil
}

// append appends the decided events, and the view of the state they make,
// and returns the result and the stream as it is after them.
func (h *Handler) append(ctx context.Context, sessionID string, s loaded, r Request, op operation, ref int64, events []fb.Event) (Result, loaded, error) {
	meta, err := sessionlog.EncodeMetadata(sessionlog.Metadata{
		Actor:          r.Actor,
		ReferenceID:    ref,
		RequestID:      r.RequestID,
		IdempotencyKey: r.IdempotencyKey,
		Operation:      op.name,
		RequestHash:    op.hash,
	})
	if err != nil {
		return Result{}, s, err
	}
	data := make([]eventstore.EventData, len(events))
	state, userDataAt := s.state, s.userDataAt
	for i, e := range events {
		body, err := sessionlog.Encode(e)
		if err != nil {
			return Result{}, s, err
		}
		data[i] = eventstore.EventData{Type: e.EventType(), SchemaVersion: sessionlog.SchemaVersion, Data: body, Metadata: meta}
		state = fb.Evolve(state, e)
		if fb.SetsUserData(e.EventType()) {
			userDataAt = s.version + int64(i) + 1
		}
	}
	var view *eventstore.View
	if s.slim {
		// Not a command that changes the user data (execute loads it for
		// those): the view's stored copy stands.
		view, err = sessionview.EncodeKeepingUserData(state, s.hasUserData)
	} else if view, err = sessionview.Encode(state); err == nil {
		view.DetailVersion = userDataAt
	}
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
	after := loaded{state: state, version: res.Version(), head: res.Events[len(res.Events)-1].Hash, keys: s.keys,
		slim: s.slim, hasUserData: s.hasUserData, userDataAt: userDataAt}
	if r.IdempotencyKey != "" {
		after.keys = make(map[keyID]keyUse, len(s.keys)+1)
		for k, v := range s.keys {
			after.keys[k] = v
		}
		after.keys[keyID{r.Actor, op.name, r.IdempotencyKey}] = keyUse{ref: ref, hash: op.hash}
	}
	return Result{ReferenceID: ref, State: state}, after, nil
}
