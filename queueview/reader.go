package queueview

import (
	"context"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queuelog"
)

// Views is what a Reader reads.
type Views interface {
	View(ctx context.Context, p *eventstore.ViewParams) (*eventstore.StreamView, error)
	ListViews(ctx context.Context, p *eventstore.ListViewsParams) ([]eventstore.StreamView, error)
}

// Reader lists the queues and finds one. Each read is of the views as the
// store has them now: a queue added by a response already sent is there.
// Safe for concurrent use.
type Reader struct{ views Views }

// NewReader returns a reader of v.
func NewReader(v Views) *Reader { return &Reader{views: v} }

// List is every live queue, by name (bytewise). There are at most
// queue.MaxQueues, so the list is read whole.
func (r *Reader) List(ctx context.Context) ([]queue.State, error) {
	var out []queue.State
	p := &eventstore.ListViewsParams{ListKey: ListKey, Limit: eventstore.DefaultFeedLimit}
	for {
		page, err := r.views.ListViews(ctx, p)
		if err != nil {
			return nil, err
		}
		for i := range page {
			s, err := Decode(&page[i].View)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", page[i].StreamID, err)
			}
			out = append(out, s)
		}
		if len(page) < p.Limit {
			return out, nil
		}
		p.After = page[len(page)-1].StreamID
	}
}

// Lookup is the live queue whose name, or else whose id, is idOrName:
// names first, and a name is never digits only (queue.ValidName), so the
// two never meet. A removed queue, or none, is queue.ErrUnknownQueue.
func (r *Reader) Lookup(ctx context.Context, idOrName string) (queue.State, error) {
	if s, err := r.byName(ctx, idOrName); err == nil || !errors.Is(err, queue.ErrUnknownQueue) {
		return s, err
	}
	if isID(idOrName) {
		return r.byID(ctx, idOrName)
	}
	return queue.State{}, unknown(idOrName)
}

// byName reads the one view of the name's stream.
func (r *Reader) byName(ctx context.Context, name string) (queue.State, error) {
	if queue.ValidName(name) != nil {
		return queue.State{}, unknown(name)
	}
	v, err := r.views.View(ctx, &eventstore.ViewParams{StreamID: queuelog.StreamID(name)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return queue.State{}, unknown(name)
	}
	if err != nil {
		return queue.State{}, err
	}
	s, err := Decode(&v.View)
	if err != nil {
		return queue.State{}, err
	}
	if !s.Exists() {
		return queue.State{}, unknown(name)
	}
	return s, nil
}

// byID looks through the list: ids are not stream ids, and at most
// queue.MaxQueues views make a read of a page or two.
func (r *Reader) byID(ctx context.Context, id string) (queue.State, error) {
	list, err := r.List(ctx)
	if err != nil {
		return queue.State{}, err
	}
	for _, s := range list {
		if s.ID == id {
			return s, nil
		}
	}
	return queue.State{}, unknown(id)
}

// isID tells whether s could be a queue id: a positive decimal number.
func isID(s string) bool {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func unknown(idOrName string) error {
	if len(idOrName) > queue.MaxNameLength {
		idOrName = idOrName[:queue.MaxNameLength] + "…"
	}
	return fmt.Errorf("%w: %q", queue.ErrUnknownQueue, idOrName)
}
