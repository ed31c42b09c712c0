package commands

import (
	"context"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/sessionview"
)

// Result is what a command did to a session.
type Result struct {
	// ReferenceID links the request to its notification; 0 for intake.
	ReferenceID int64
	// State is the session after the command; without its user data
	// when the command neither read nor changed it (sessionview.Snapshot).
	State fb.State
	// Version is the session's stream version State is as of: a reader
	// of the feed (the router) knows from it which events it has seen.
	Version int64
	// Replayed tells that an earlier request with the same idempotency key
	// is being answered again, and nothing was appended.
	Replayed bool
}

// Handler runs the facebooksession commands: intake, and the agents' and
// the integration side's operations. Safe for concurrent use.
type Handler struct {
	service *Service[sessionview.Snapshot, fb.Command]
	agents  Agents
}

// NewHandler returns a handler on store.
func NewHandler(store Store, opts ...Option) *Handler {
	cfg := newConfig(opts)
	d := sessions{agents: cfg.agents}
	if v, ok := store.(viewsReader); ok {
		d.views = v
	}
	return &Handler{service: newService[sessionview.Snapshot, fb.Command](store, d, cfg), agents: cfg.agents}
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
	return h.run(ctx, r, cmd.SessionID, cmd)
}

// Operate carries out an operation on an existing session: an agent's
// (whose By the caller sets to the authenticated user), or the integration
// side's. It answers with a new referenceId.
func (h *Handler) Operate(ctx context.Context, r Request, sessionID string, cmd fb.Command) (Result, error) {
	if _, isStart := cmd.(fb.Start); isStart {
		return Result{}, fmt.Errorf("%w: intake is Start, not an operation", fb.ErrInvalid)
	}
	return h.run(ctx, r, sessionID, cmd)
}

func (h *Handler) run(ctx context.Context, r Request, sessionID string, cmd fb.Command) (Result, error) {
	out, err := h.service.Execute(ctx, r, sessionID, cmd)
	return Result{ReferenceID: out.ReferenceID, State: out.State.State, Version: out.State.Version, Replayed: out.Replayed}, err
}
