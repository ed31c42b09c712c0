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
	return Decode(&v.View)
}

// MaxPage is the most sessions one list returns: a session holds up to
// tens of kilobytes of user data, and an agent may hold thousands.
const MaxPage = 100

// Page selects part of a list, in session id order.
type Page struct {
	// After is the session id the page starts after; "" starts at the
	// first.
	After string
	// Limit is the most sessions returned; 0, or more than MaxPage, is
	// MaxPage.
	Limit int
}

// Active returns a page of an agent's sessions that are not completed, in
// session id order (bytewise, whatever the store's collation), and whether
// more follow it. The store reads one more than the page to tell.
func (r *Reader) Active(ctx context.Context, agentID string, p Page) ([]fb.State, bool, error) {
	if agentID == "" {
		return nil, false, nil // the empty key lists completed views, never an agent's
	}
	limit := p.Limit
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	params := &eventstore.ListViewsParams{ListKey: agentID, Limit: limit + 1}
	if p.After != "" {
		// Stream ids share their prefix, so they sort as session ids do.
		params.After = sessionlog.StreamID(p.After)
	}
	views, err := r.views.ListViews(ctx, params)
	if err != nil {
		return nil, false, err
	}
	more := len(views) > limit
	views = views[:min(limit, len(views))]
	out := make([]fb.State, len(views))
	for i := range views {
		if out[i], err = Decode(&views[i].View); err != nil {
			return nil, false, fmt.Errorf("%s: %w", views[i].StreamID, err)
		}
	}
	return out, more, nil
}
