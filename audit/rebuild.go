package audit

import (
	"context"

	"github.com/fbsession/fbsession/eventstore"
)

// RebuildReport is the outcome of Rebuild.
type RebuildReport struct {
	Streams int64 `json:"streams"`
	Events  int64 `json:"events"`
	// Refolded counts the streams folded again at the swap: those that
	// changed while the rebuild ran, or whose live view was broken.
	Refolded int `json:"refolded"`
}

// rebuildBatch is how many views are written to the fresh table at once.
const rebuildBatch = 1000

// Rebuild folds every stream of the log into a fresh read model and swaps
// it in; readers see the old model until the swap, then the new one.
func Rebuild(ctx context.Context, s eventstore.Store, progress func(events int64)) (*RebuildReport, error) {
	r, err := s.RebuildViews(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Abort()
	report := &RebuildReport{}
	var (
		batch   []eventstore.StreamView
		current []eventstore.RecordedEvent
	)
	flush := func(force bool) error {
		if len(current) > 0 {
			view, err := viewOf(current)
			if err != nil {
				return err
			}
			batch = append(batch, view)
			report.Streams++
			current = current[:0]
		}
		if len(batch) >= rebuildBatch || force && len(batch) > 0 {
			if err := r.Put(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
		return nil
	}
	p := &eventstore.ScanStreamsParams{Limit: 2000}
	for {
		page, err := s.ScanStreams(ctx, p)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for i := range page {
			if len(current) > 0 && page[i].StreamID != current[0].StreamID {
				if err := flush(false); err != nil {
					return nil, err
				}
			}
			current = append(current, page[i])
		}
		report.Events += int64(len(page))
		last := &page[len(page)-1]
		p.AfterStream, p.AfterVersion = last.StreamID, last.Version
		if progress != nil {
			progress(report.Events)
		}
	}
	if err := flush(true); err != nil {
		return nil, err
	}
	err = r.Swap(ctx, func(ctx context.Context, ids []string) ([]eventstore.StreamView, error) {
		report.Refolded = len(ids)
		return refold(ctx, s, ids)
	})
	if err != nil {
		return nil, err
	}
	return report, nil
}

// refold computes the views of some streams from their events.
func refold(ctx context.Context, s eventstore.Store, ids []string) ([]eventstore.StreamView, error) {
	events, err := s.ReadStreams(ctx, ids)
	if err != nil {
		return nil, err
	}
	var views []eventstore.StreamView
	start := 0
	for i := 1; i <= len(events); i++ {
		if i == len(events) || events[i].StreamID != events[start].StreamID {
			v, err := viewOf(events[start:i])
			if err != nil {
				return nil, err
			}
			views = append(views, v)
			start = i
		}
	}
	return views, nil
}
