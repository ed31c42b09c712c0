package audit

import (
	"context"

	"github.com/fbsession/fbsession/eventstore"
)

// boundedLog is a log as a checkpoint at position to sees it: its
// ScanStreams leaves out every event above to, and whatever follows such
// an event in its stream, so that each stream is a prefix that ends at or
// below to. Streams begun above to are left out whole.
//
// The scan has no bound of its own (eventstore.Scanner.ScanStreams takes
// none), hence the filter here rather than in the query.
type boundedLog struct {
	CheckpointLog
	to int64
	// cut is the stream whose events are being left out. Versions and
	// positions rise together within a stream, so it only guards against
	// a store that broke that: a gap would read as a broken chain.
	cut string
}

// ScanStreams returns the next events at or below b.to. It reads past
// pages that hold none, so that an empty page still means the end of the
// log to verify.
func (b *boundedLog) ScanStreams(ctx context.Context, p *eventstore.ScanStreamsParams) ([]eventstore.RecordedEvent, error) {
	q := *p
	for {
		page, err := b.CheckpointLog.ScanStreams(ctx, &q)
		if err != nil || len(page) == 0 {
			return page, err
		}
		kept := page[:0]
		for i := range page {
			switch {
			case page[i].StreamID == b.cut:
			case page[i].Position > b.to:
				b.cut = page[i].StreamID
			default:
				kept = append(kept, page[i])
			}
		}
		if len(kept) > 0 {
			return kept, nil
		}
		last := &page[len(page)-1]
		q.AfterStream, q.AfterVersion = last.StreamID, last.Version
	}
}
