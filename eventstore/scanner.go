package eventstore

import "context"

// Scanner reads the whole log in the orders audits need.
type Scanner interface {
	// ScanStreams returns up to p.Limit events of all streams after
	// p.AfterStream/p.AfterVersion, ordered by stream id then version: a
	// way through the whole log stream by stream, for verification and
	// rebuilds.
	ScanStreams(ctx context.Context, p *ScanStreamsParams) ([]RecordedEvent, error)
	// ReadRange returns up to p.Limit events with positions in [p.From,
	// p.To], in position order, for audits of committed history.
	ReadRange(ctx context.Context, p *ReadRangeParams) ([]RecordedEvent, error)
	// SettledHead is the highest global position once every append in
	// flight has ended: no event at or below it can still become visible,
	// so a scan after it sees exactly the log up to it. Where appends
	// take their positions before they commit, it waits for them, and
	// holds new appends back meanwhile.
	SettledHead(ctx context.Context) (int64, error)
}

// ScanStreamsParams are the arguments of Scanner.ScanStreams.
type ScanStreamsParams struct {
	// AfterStream and AfterVersion: the scan resumes after this event;
	// zero values start at the beginning.
	AfterStream  string
	AfterVersion int64
	// Limit caps the page; 0 means DefaultFeedLimit.
	Limit int
}

// ReadRangeParams are the arguments of Scanner.ReadRange.
type ReadRangeParams struct {
	// From and To bound the positions, both included; To 0 means no bound.
	From, To int64
	// Limit caps the page; 0 means DefaultFeedLimit.
	Limit int
}
