package eventstore

import "context"

// NoStream is the expected version of a stream that must not exist yet.
const NoStream int64 = 0

// Store is the event log: streams to append to and read, and the global
// feed of every stream. Implementations are safe for concurrent use.
//
// A driver also keeps small stores beside the log, in the same database
// (Views, Sequences, Checkpoints, Leases, Scanner); each caller declares
// only the interface it uses, and Driver names them all.
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
	ReadStreams(ctx context.Context, p *ReadStreamsParams) ([]RecordedEvent, error)
	// ReadFeed returns up to p.Limit events of all streams after p.After, in
	// feed order. An event it has not returned yet never sorts before the
	// last one it returned, so a reader can checkpoint the last Cursor. An
	// event may show a moment after its append returns: a store can hold it
	// back until every append that could sort before it has ended.
	ReadFeed(ctx context.Context, p *ReadFeedParams) ([]RecordedEvent, error)
	// Appended returns a channel closed when events may have been appended
	// since the call, by this process or another. It is a hint for feed
	// readers, not a guarantee: take the channel, read the feed, then wait.
	Appended() <-chan struct{}
	// Head is the highest global position, 0 for an empty store.
	Head(ctx context.Context) (int64, error)
}

// Driver is everything a driver provides: the log, the stores kept beside
// it, and its own life cycle. It is for wiring a process and for the
// conformance suite; components take the narrow interface they use.
type Driver interface {
	Store
	Views
	Sequences
	Checkpoints
	Leases
	Scanner
	// Ping checks that the store can be reached.
	Ping(ctx context.Context) error
	// Close stops the store's background work; it does not close a pool the
	// caller passed in.
	Close() error
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
	// View, when set, replaces the stream's view (see Views) in the same
	// atomic step as the append: a reader of views never sees a state the
	// log lacks, nor misses one it has (read-your-writes).
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
	// Limit caps the events returned, so that a reader of a long stream
	// holds a part at a time; 0 means all.
	Limit int
}

// ReadStreamsParams are the arguments of Store.ReadStreams.
type ReadStreamsParams struct {
	StreamIDs []string
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
	if p.View != nil && p.View.KeepDetail && (p.View.Detail != nil || p.View.DetailVersion != 0) {
		return errorf("view both keeps its detail and gives one")
	}
	return nil
}
