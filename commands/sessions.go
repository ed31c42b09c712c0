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

// sessions is the facebooksession aggregate as a Service runs it: the
// domain's rules, on snapshots that leave the user data to the view
// (sessionview.Snapshot).
type sessions struct {
	agents Agents      // nil: any valid id is an agent
	views  viewsReader // nil: no gate
}

var (
	_ Keeper[sessionview.Snapshot, fb.Command] = sessions{}
	_ Gate[fb.Command]                         = sessions{}
)

// viewsReader is what the gate reads: a session's view.
type viewsReader interface {
	View(ctx context.Context, p *eventstore.ViewParams) (*eventstore.StreamView, error)
}

// Admit authorizes cmd on the session as its view has it, so that an
// agent's command on another agent's session, or on none, is refused for
// the price of one row, however long the session. The view is written by
// the append that made the stream what it is: it says who owns it.
func (a sessions) Admit(ctx context.Context, id string, cmd fb.Command) error {
	if _, isStart := cmd.(fb.Start); isStart || a.views == nil {
		return nil
	}
	var s fb.State
	v, err := a.views.View(ctx, &eventstore.ViewParams{StreamID: sessionlog.StreamID(id)})
	switch {
	case errors.Is(err, eventstore.ErrNotFound):
	case err != nil:
		return err
	default:
		if s, err = sessionview.DecodeOwner(&v.View); err != nil {
			return err
		}
	}
	if err := fb.Authorize(s, cmd); err != nil {
		return fmt.Errorf("session %s: %w", id, err)
	}
	return nil
}

func (sessions) StreamID(id string) string { return sessionlog.StreamID(id) }

func (sessions) Evolve(s sessionview.Snapshot, rec *eventstore.RecordedEvent) (sessionview.Snapshot, error) {
	s, _, err := s.EvolveRecord(rec)
	return s, err
}

func (sessions) Validate(cmd fb.Command) error { return fb.Validate(cmd) }

func (a sessions) Authorize(ctx context.Context, s sessionview.Snapshot, cmd fb.Command) error {
	if _, isStart := cmd.(fb.Start); isStart {
		return nil // its agent is asked before anything else (Handler.Start)
	}
	if err := fb.Authorize(s.State, cmd); err != nil {
		return fmt.Errorf("session %s: %w", s.State.ID, err)
	}
	// The agent a session is handed to must be one, as at intake; asked
	// only of whoever may act on the session.
	if target := fb.HandedTo(cmd); target != "" && a.agents != nil {
		return a.agents.RequireAgent(ctx, target)
	}
	return nil
}

func (sessions) Decide(s sessionview.Snapshot, cmd fb.Command, now time.Time) (Decision[sessionview.Snapshot], error) {
	events, err := fb.Decide(s.State, stamped(cmd, now))
	if err != nil {
		return Decision[sessionview.Snapshot]{}, err
	}
	d := Decision[sessionview.Snapshot]{Events: make([]eventstore.EventData, len(events)), After: s.Evolve(events)}
	for i, e := range events {
		body, err := sessionlog.Encode(e)
		if err != nil {
			return Decision[sessionview.Snapshot]{}, err
		}
		d.Events[i] = eventstore.EventData{Type: e.EventType(), SchemaVersion: sessionlog.SchemaVersion, Data: body}
	}
	if d.View, err = d.After.View(); err != nil {
		return Decision[sessionview.Snapshot]{}, err
	}
	_, d.Unreferenced = cmd.(fb.Start)
	return d, nil
}

func (sessions) Fingerprint(cmd fb.Command) (string, error) { return requestHash(cmd) }

// Keep keeps an open session slim; a completed one is done: a retry
// reads the stream.
func (sessions) Keep(s sessionview.Snapshot) (sessionview.Snapshot, bool) {
	return s.Slimmed(), s.State.Status != fb.StatusCompleted
}

func (sessions) Lacks(s sessionview.Snapshot, cmd fb.Command) bool { return s.Lacks(cmd) }
func (sessions) Size(s sessionview.Snapshot) int                   { return s.Size() }

// stamped gives the commands that record when they happened the time the
// service decides on them: taken at each attempt, so that a message that
// lost an append race is not stamped before the one that won.
func stamped(cmd fb.Command, now time.Time) fb.Command {
	switch c := cmd.(type) {
	case fb.SendMessage:
		c.At = now
		return c
	case fb.CustomerMessage:
		c.At = now
		return c
	case fb.PageMessage:
		c.At = now
		return c
	}
	return cmd
}
