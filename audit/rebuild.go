package audit

import (
	"context"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

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
//
// Reading the log, folding it (decoding JSON: most of the CPU) and writing
// views run on their own goroutines, folding on one per CPU: each stage
// waits on something else, so in a row they would leave the others idle.
func Rebuild(ctx context.Context, s Log, progress func(events int64)) (*RebuildReport, error) {
	r, err := s.RebuildViews(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Abort()
	report := &RebuildReport{}
	pages := make(chan []eventstore.RecordedEvent, 2)
	streams := make(chan [][]eventstore.RecordedEvent, 2)
	views := make(chan []eventstore.StreamView, 2)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(pages)
		return scan(gctx, s, pages)
	})
	g.Go(func() error {
		defer close(streams)
		return splitStreams(gctx, pages, streams, report, progress)
	})
	var folding sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		folding.Add(1)
		g.Go(func() error {
			defer folding.Done()
			return foldStreams(gctx, streams, views)
		})
	}
	go func() {
		folding.Wait()
		close(views)
	}()
	g.Go(func() error {
		for batch := range views {
			if err := r.Put(gctx, batch); err != nil {
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
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

// scan sends the whole log, stream by stream, a page at a time.
func scan(ctx context.Context, s eventstore.Scanner, pages chan<- []eventstore.RecordedEvent) error {
	p := &eventstore.ScanStreamsParams{Limit: 2000}
	for {
		page, err := s.ScanStreams(ctx, p)
		if err != nil || len(page) == 0 {
			return err
		}
		last := &page[len(page)-1]
		p.AfterStream, p.AfterVersion = last.StreamID, last.Version
		if err := sendTo(ctx, pages, page); err != nil {
			return err
		}
	}
}

// splitStreams cuts the pages into whole streams (one may span pages) and
// sends them in batches of rebuildBatch.
func splitStreams(ctx context.Context, pages <-chan []eventstore.RecordedEvent, out chan<- [][]eventstore.RecordedEvent,
	report *RebuildReport, progress func(events int64)) error {
	var (
		batch   [][]eventstore.RecordedEvent
		current []eventstore.RecordedEvent
	)
	cut := func() error {
		batch = append(batch, current)
		report.Streams++
		current = nil
		if len(batch) < rebuildBatch {
			return nil
		}
		err := sendTo(ctx, out, batch)
		batch = nil
		return err
	}
	for page := range pages {
		for i := range page {
			if len(current) > 0 && page[i].StreamID != current[0].StreamID {
				if err := cut(); err != nil {
					return err
				}
			}
			current = append(current, page[i])
		}
		report.Events += int64(len(page))
		if progress != nil {
			progress(report.Events)
		}
	}
	if len(current) > 0 {
		if err := cut(); err != nil {
			return err
		}
	}
	if len(batch) > 0 {
		return sendTo(ctx, out, batch)
	}
	return nil
}

// foldStreams turns batches of streams into batches of views.
func foldStreams(ctx context.Context, in <-chan [][]eventstore.RecordedEvent, out chan<- []eventstore.StreamView) error {
	for streams := range in {
		views := make([]eventstore.StreamView, 0, len(streams))
		for _, events := range streams {
			v, hasView, err := viewOf(events)
			if err != nil {
				return err
			}
			if hasView {
				views = append(views, v)
			}
		}
		if err := sendTo(ctx, out, views); err != nil {
			return err
		}
	}
	return nil
}

func sendTo[T any](ctx context.Context, ch chan<- T, v T) error {
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refold computes the views of some streams from their events.
func refold(ctx context.Context, s eventstore.Store, ids []string) ([]eventstore.StreamView, error) {
	events, err := s.ReadStreams(ctx, &eventstore.ReadStreamsParams{StreamIDs: ids})
	if err != nil {
		return nil, err
	}
	var views []eventstore.StreamView
	start := 0
	for i := 1; i <= len(events); i++ {
		if i == len(events) || events[i].StreamID != events[start].StreamID {
			v, hasView, err := viewOf(events[start:i])
			if err != nil {
				return nil, err
			}
			if hasView {
				views = append(views, v)
			}
			start = i
		}
	}
	return views, nil
}
