package sessionview

import (
	"context"
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// Reader reads sessions from their views.
type Reader struct {
	views Views
}

// Views is what a Reader needs of the store's views.
type Views interface {
	View(ctx context.Context, p *eventstore.ViewParams) (*eventstore.StreamView, error)
	ListViews(ctx context.Context, p *eventstore.ListViewsParams) ([]eventstore.StreamView, error)
}

// NewReader returns a reader of the views in v.
func NewReader(v Views) *Reader { return &Reader{views: v} }

// Get returns a session as its view holds it, or fb.ErrNotFound.
func (r *Reader) Get(ctx context.Context, sessionID string) (fb.State, error) {
	v, err := r.views.View(ctx, &eventstore.ViewParams{StreamID: sessionlog.StreamID(sessionID)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return fb.State{}, fmt.Errorf("session %s: %w", sessionID, fb.ErrNotFound)
	}
	if err != nil {
		return fb.State{}, err
	}
	return Decode(v.Document)
}

// Active returns an agent's sessions that are not completed, in session id
// order.
func (r *Reader) Active(ctx context.Context, agentID string) ([]fb.State, error) {
	if agentID == "" {
		return nil, nil // the empty key lists completed views, never an agent's
	}
	views, err := r.views.ListViews(ctx, &eventstore.ListViewsParams{ListKey: agentID})
	if err != nil {
		return nil, err
	}
	out := make([]fb.State, len(views))
	for i := range views {
		if out[i], err = Decode(views[i].Document); err != nil {
			return nil, fmt.Errorf("%s: %w", views[i].StreamID, err)
		}
	}
	return out, nil
}
