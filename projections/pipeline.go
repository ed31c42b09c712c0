package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/fbsession/fbsession/eventstore"
)

// pipeline is a runner's pages started and not yet durable, in feed order,
// and how far the projection is durable.
type pipeline struct {
	runner *Runner
	ctx    context.Context
	queue  []started
	// durable is the cursor after the last page known durable; highest is
	// the highest position among durable pages: a drain ends when it
	// reaches the store's head.
	durable eventstore.Cursor
	highest int64
	saved   eventstore.Cursor
	savedAt time.Time
}

type started struct {
	done    <-chan error
	last    eventstore.RecordedEvent
	highest int64
}

// next is where the next page starts: after the last page started, or
// after the durable ones when none is in flight.
func (p *pipeline) next() eventstore.Cursor {
	if len(p.queue) > 0 {
		return p.queue[len(p.queue)-1].last.Cursor()
	}
	return p.durable
}

// start hands a page to the projector: started when it is a Pipeliner,
// projected at once otherwise.
func (p *pipeline) start(page []eventstore.RecordedEvent) error {
	s := started{last: page[len(page)-1]}
	for i := range page {
		s.highest = max(s.highest, page[i].Position)
	}
	if pl, ok := p.runner.cfg.Projector.(Pipeliner); ok {
		done, err := pl.Start(p.ctx, page)
		if err != nil {
			return err
		}
		s.done = done
	} else {
		done := make(chan error, 1)
		done <- p.runner.cfg.Projector.Project(p.ctx, page)
		s.done = done
	}
	p.queue = append(p.queue, s)
	return nil
}

// settle takes in the pages that are durable, in order, waiting until no
// more than keep are still in flight, and saves the checkpoint every
// CheckpointEvery.
func (p *pipeline) settle(keep int) error {
	for len(p.queue) > 0 {
		var err error
		if len(p.queue) > keep {
			select {
			case err = <-p.queue[0].done:
			case <-p.ctx.Done():
				return p.ctx.Err()
			}
		} else {
			select {
			case err = <-p.queue[0].done:
			default:
				return nil
			}
		}
		s := p.queue[0]
		p.queue = p.queue[1:]
		if err != nil {
			return err
		}
		p.durable = s.last.Cursor()
		p.highest = max(p.highest, s.highest)
		p.runner.cfg.Metrics.progressed(p.ctx, p.runner.cfg.Name, p.runner.cfg.Store, &s.last)
		if time.Since(p.savedAt) >= p.runner.cfg.CheckpointEvery {
			if err := p.save(p.ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// abandon forgets the pages in flight: after a failure they are projected
// again from the durable cursor, and on a stop their fate is unknown.
func (p *pipeline) abandon() {
	p.queue = nil
	if a, ok := p.runner.cfg.Projector.(Abandoner); ok {
		a.Abandon()
	}
}

// save writes the durable cursor as the checkpoint, if it moved.
func (p *pipeline) save(ctx context.Context) error {
	if p.saved == p.durable {
		return nil
	}
	if err := p.runner.cfg.Store.SaveCheckpoint(ctx, &eventstore.SaveCheckpointParams{Name: p.runner.cfg.Name, Cursor: p.durable}); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	p.saved, p.savedAt = p.durable, time.Now()
	return nil
}
