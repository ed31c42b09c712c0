package eventstore

import "context"

// NoStream is the expected version of a stream that must not exist yet.
const NoStream int64 = 0

// Store is the event log. Implementations are safe for concurrent use.
type Store interface {
	// Append adds events to the end of a stream, all or none, provided the
	// stream is at p.ExpectedVersion; otherwise it returns a
	// *ConcurrencyError and appends nothing.
	Append(ctx context.Context, p *AppendParams) (*AppendResult, error)
	// ReadStream returns a stream's events in version order, or ErrNotFound
	// when the stream has no event at or after p.FromVersion.
	ReadStream(ctx context.Context, p *ReadStreamParams) ([]RecordedEvent, error)
	// ReadStreams returns the events of several streams in one query,
	// ordered by stream id then version; absent streams have no events.
	ReadStreams(ctx context.Context, streamIDs []string) ([]RecordedEvent, error)
	// ScanStreams returns up to p.Limit events of all streams after
	// p.After, ordered by stream id then version: a way through the whole
	// log stream by stream, for verification and rebuilds.
	ScanStreams(ctx context.Context, p *ScanStreamsParams) ([]RecordedEvent, error)
	// ReadRange returns up to p.Limit events with positions in [p.From,
	// p.To], in position order, for audits of committed history.
	ReadRange(ctx context.Context, p *ReadRangeParams) ([]RecordedEvent, error)
	// ReadFeed returns up to p.Limit events of all streams after p.After, in
	// feed order. An event it has not returned yet never sorts before the
	// last one it returned, so a reader can checkpoint the last Cursor. An
	// event may show a moment after its append returns: a store can hold it
	// back until every transaction older than its own has ended.
	ReadFeed(ctx context.Context, p *ReadFeedParams) ([]RecordedEvent, error)
	// Appended returns a channel closed when events may have been appended
	// since the call, by this process or another. It is a hint for feed
	// readers, not a guarantee: take the channel, read the feed, then wait.
	Appended() <-chan struct{}
	// View returns a stream's view (see AppendParams.View), or ErrNotFound.
	View(ctx context.Context, streamID string) (*StreamView, error)
	// ListViews returns the views of one owner, in stream id order.
	ListViews(ctx context.Context, p *ListViewsParams) ([]StreamView, error)
	// ScanViews returns up to limit views after the stream id after, in
	// stream id order.
	ScanViews(ctx context.Context, after string, limit int) ([]StreamView, error)
	// RebuildViews starts replacing every view: see ViewRebuild.
	RebuildViews(ctx context.Context) (ViewRebuild, error)
	// ReserveSequence reserves n consecutive values of a named durable
	// counter starting at 1 and returns the first. Values are never handed
	// out twice, across processes and restarts.
	ReserveSequence(ctx context.Context, name string, n int64) (int64, error)
	// Checkpoint returns where the named feed reader has got to, Start
	// when it never saved one.
	Checkpoint(ctx context.Context, name string) (Cursor, error)
	// SaveCheckpoint records where the named feed reader has got to.
	SaveCheckpoint(ctx context.Context, name string, c Cursor) error
	// Lease makes the caller the only holder of name among every process
	// on this store, or returns ErrLeaseHeld. The lease lasts until Release
	// or until Lost is closed (its connection broke).
	Lease(ctx context.Context, name string) (Lease, error)
	// Head is the highest global position, 0 for an empty store.
	Head(ctx context.Context) (int64, error)
	// Ping checks that the store can be reached.
	Ping(ctx context.Context) error
	// Close stops the store's background work; it does not close a pool the
	// caller passed in.
	Close() error
}

// View is a stream's read model: what the stream looks like after its
// latest events, kept by the store beside them.
type View struct {
	// Owner is whose the stream is, for ListViews.
	Owner string
	// Active marks the views ListViews returns with ActiveOnly.
	Active bool
	// Document is the view itself, a JSON document.
	Document []byte
}

// StreamView is a stored view and the stream version it reflects.
type StreamView struct {
	StreamID string
	Version  int64
	View
}

// ListViewsParams are the arguments of Store.ListViews.
type ListViewsParams struct {
	Owner      string
	ActiveOnly bool
}

// AppendParams are the arguments of Store.Append.
type AppendParams struct {
	StreamID string
	// ExpectedVersion is the stream's current version: NoStream for a new
	// stream, else the version of its last event.
	ExpectedVersion int64
	// Head, when set, is the hash of the stream's event at ExpectedVersion,
	// as the caller read it: it spares the store a read of the head. The
	// store still checks it; a wrong Head appends nothing and is a
	// *ConcurrencyError.
	Head   []byte
	Events []EventData
	// View, when set, replaces the stream's view in the same atomic step as
	// the append: a reader of views never sees a state the log lacks, nor
	// misses one it has (read-your-writes).
	View *View
}

// AppendResult is what an append stored.
type AppendResult struct {
	// Events are the appended events as recorded, with positions and hashes.
	Events []RecordedEvent
}

// Version is the stream's version after the append.
func (r *AppendResult) Version() int64 { return r.Events[len(r.Events)-1].Version }

// ReadStreamParams are the arguments of Store.ReadStream.
type ReadStreamParams struct {
	StreamID string
	// FromVersion is the first version to return; 0 and 1 both mean all.
	FromVersion int64
}

// ReadFeedParams are the arguments of Store.ReadFeed.
type ReadFeedParams struct {
	After Cursor
	// Limit caps the page; 0 means DefaultFeedLimit.
	Limit int
}

// DefaultFeedLimit is the page size of ReadFeed, and of the other paged
// reads, when none is given.
const DefaultFeedLimit = 1000

// PageLimit is the page size a driver uses for a requested limit n.
func PageLimit(n int) int {
	if n <= 0 {
		return DefaultFeedLimit
	}
	return n
}

// Validate checks the parameters every driver requires.
func (p *AppendParams) Validate() error {
	switch {
	case p.StreamID == "":
		return errorf("stream id is empty")
	case p.ExpectedVersion < 0:
		return errorf("expected version %d is negative", p.ExpectedVersion)
	case len(p.Events) == 0:
		return errorf("no events to append")
	}
	for i := range p.Events {
		if p.Events[i].Type == "" {
			return errorf("event %d has no type", i)
		}
		if len(p.Events[i].Data) == 0 {
			return errorf("event %d has no data", i)
		}
	}
	if p.View != nil && len(p.View.Document) == 0 {
		return errorf("view has no document")
	}
	return nil
}

// Lease is the exclusive right to run something named, such as a
// projector, held by one process at a time.
type Lease interface {
	// Lost is closed when the lease can no longer be trusted: stop work.
	Lost() <-chan struct{}
	// Release gives the lease up.
	Release()
}

// ScanStreamsParams are the arguments of Store.ScanStreams.
type ScanStreamsParams struct {
	// AfterStream and AfterVersion: the scan resumes after this event;
	// zero values start at the beginning.
	AfterStream  string
	AfterVersion int64
	Limit        int
}

// ReadRangeParams are the arguments of Store.ReadRange.
type ReadRangeParams struct {
	// From and To bound the positions, both included; To 0 means no bound.
	From, To int64
	Limit    int
}

// ViewRebuild fills a fresh view table and then swaps it in. Readers of
// views see the old set until the swap commits, then the new one, never a
// mix; appends that write views wait for the swap.
type ViewRebuild interface {
	// Put writes views into the fresh table, replacing any of the same
	// stream.
	Put(ctx context.Context, views []StreamView) error
	// Swap locks out view writers, asks refold for the views of every
	// stream whose fresh and live versions differ (changed since the
	// rebuild read it, or broken), and replaces the live views with the
	// fresh ones in one transaction.
	Swap(ctx context.Context, refold func(ctx context.Context, streamIDs []string) ([]StreamView, error)) error
	// Abort drops the fresh table; a no-op after Swap.
	Abort()
}
