package projections

import (
	"context"
	"time"

	"github.com/fbsession/fbsession/eventstore"
)

// readAhead is a read of the feed's next page begun while the runner
// starts the current one: a read mostly waits on the database and a start
// mostly works the CPU, so a runner that is behind does both at once
// instead of one after the other.
type readAhead struct {
	after eventstore.Cursor
	done  chan feedPage // buffered: the read never waits for its reader
}

// feedPage is a page as read, and when the read began.
type feedPage struct {
	events []eventstore.RecordedEvent
	err    error
	readAt time.Time
}

func (r *Runner) readAhead(ctx context.Context, after eventstore.Cursor) *readAhead {
	a := &readAhead{after: after, done: make(chan feedPage, 1)}
	go func() { a.done <- r.readFeed(ctx, after) }()
	return a
}

func (r *Runner) readFeed(ctx context.Context, after eventstore.Cursor) feedPage {
	readAt := time.Now()
	events, err := r.cfg.Store.ReadFeed(ctx, &eventstore.ReadFeedParams{After: after, Limit: r.cfg.PageSize})
	return feedPage{events: events, err: err, readAt: readAt}
}

// next is the page after the cursor: the one read ahead when it is that
// page and holds events, otherwise read now. An empty page read ahead is
// read again: the caller waits for appends after reading an empty page,
// and must have asked to be woken before that read, not after it.
func (a *readAhead) next(ctx context.Context, r *Runner, after eventstore.Cursor) feedPage {
	if a != nil {
		got := a.wait()
		if a.after == after && got.err == nil && len(got.events) > 0 {
			return got
		}
	}
	return r.readFeed(ctx, after)
}

// wait is the read's outcome, once it is done; nothing on a nil one.
func (a *readAhead) wait() feedPage {
	if a == nil {
		return feedPage{}
	}
	return <-a.done
}
