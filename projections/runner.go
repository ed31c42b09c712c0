package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fbsession/fbsession/eventstore"
)

// Projector handles events of the global feed.
type Projector interface {
	// Project handles a page of events in feed order and returns once their
	// effects are durable. On error the runner retries from its checkpoint,
	// so Project must tolerate seeing events again.
	Project(ctx context.Context, events []eventstore.RecordedEvent) error
}

// A Pipeliner is a Projector that can hand a page off before the pages
// before it are durable, so that reading the next page overlaps waiting on
// this one (the notifier: JetStream acks take a round trip). The runner
// keeps up to RunnerConfig.InFlight pages started and checkpoints only
// pages whose result said durable, in feed order.
type Pipeliner interface {
	Projector
	// Start hands the page off and returns a channel that receives one
	// value: nil once the page's effects are durable, or why they are not.
	Start(ctx context.Context, events []eventstore.RecordedEvent) (<-chan error, error)
}

// An Abandoner is a Pipeliner told when the runner gives up on the pages it
// started and that are not durable (a page failed, the runner stopped):
// the next page it starts follows its checkpoint, so everything before is
// durable. The notifier then holds no change behind those pages' changes.
type Abandoner interface {
	Abandon()
}

// A Resumer is a Projector told where it resumes each time the runner
// takes the lease, before the runner projects anything: from the
// checkpoint, as the store has it then. It returns where to resume, the
// checkpoint or a cursor before it (a checkpoint the log went back under
// names a change it no longer has, and appends since may sort before it).
// An error stops the runner under this lease; it tries again. The
// notifier checks there that the log did not go back under what it
// published (docs/HA.md).
type Resumer interface {
	Resume(ctx context.Context, from eventstore.Cursor) (eventstore.Cursor, error)
}

// RunnerStore is what a runner needs of the event store: the feed, and the
// checkpoint and lease of its projector kept beside it.
type RunnerStore interface {
	eventstore.Store
	eventstore.Checkpoints
	eventstore.Leases
}

// RunnerConfig configures a Runner.
type RunnerConfig struct {
	// Name identifies the projector's checkpoint and lease.
	Name      string
	Store     RunnerStore
	Projector Projector
	// PageSize is how many events are read and projected at once.
	// Default 256.
	PageSize int
	// InFlight is how many pages a Pipeliner may have started and not yet
	// made durable. Default 4. A failed page is retried with every page
	// after it; the notifier keeps each session's changes in order across
	// them by holding a change until the one before it is acknowledged.
	InFlight int
	// Linger is the least time between two reads of the feed while pages
	// come back neither full nor empty: under a steady stream of appends,
	// each read then takes in a few milliseconds of commits rather than one
	// or two, which costs the database and NATS less per change. A caught-up
	// runner still reads at once when woken. Default 5ms.
	Linger time.Duration
	// RetryMin and RetryMax bound the backoff after a failed page.
	// Defaults 100ms and 5s.
	RetryMin, RetryMax time.Duration
	// LeaseRetry is how often a process without the lease tries to take
	// it. Default 1s.
	LeaseRetry time.Duration
	// CheckpointEvery bounds how often the checkpoint is written while
	// pages keep coming (it is always written when the feed is drained and
	// on stopping). After a crash, up to this much is projected again,
	// which the notifier's message ids make harmless. Default 100ms.
	CheckpointEvery time.Duration
	Metrics         *Metrics
	Logger          *slog.Logger
}

func (c *RunnerConfig) setDefaults() {
	if c.PageSize <= 0 {
		c.PageSize = 256
	}
	if c.Linger <= 0 {
		c.Linger = 5 * time.Millisecond
	}
	if c.InFlight <= 0 {
		c.InFlight = 4
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 100 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 5 * time.Second
	}
	if c.LeaseRetry <= 0 {
		c.LeaseRetry = time.Second
	}
	if c.CheckpointEvery <= 0 {
		c.CheckpointEvery = 100 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

func (c *RunnerConfig) validate() error {
	if c.Name == "" || c.Store == nil || c.Projector == nil {
		return errors.New("projections: a runner needs a name, a store and a projector")
	}
	return nil
}

// Runner feeds one projector.
type Runner struct {
	cfg      RunnerConfig
	log      *slog.Logger
	draining chan struct{}
}

// NewRunner returns a runner; Run starts it.
func NewRunner(cfg RunnerConfig) (*Runner, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Runner{cfg: cfg, log: cfg.Logger.With("projector", cfg.Name), draining: make(chan struct{})}, nil
}

// Drain makes Run return as soon as it has projected everything the feed
// shows, instead of waiting for more: a graceful stop that flushes.
func (r *Runner) Drain() { close(r.draining) }

var errLeaseLost = errors.New("lease lost")

// Run projects until ctx ends or, after Drain, until caught up. Without the
// lease it waits for it; on store errors it retries.
func (r *Runner) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		lease, err := r.cfg.Store.Lease(ctx, &eventstore.LeaseParams{Name: r.cfg.Name})
		switch {
		case errors.Is(err, eventstore.ErrLeaseHeld):
			r.log.Debug("another process runs the projector; waiting")
		case err != nil:
			r.log.Warn("cannot take the projector's lease", "err", err)
		default:
			done, err := r.runLeased(ctx, lease)
			lease.Release()
			if done {
				return nil
			}
			if err != nil && ctx.Err() == nil {
				r.log.Warn("projector stopped; resuming", "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-r.draining:
			return nil // without the lease there is nothing of ours to flush
		case <-time.After(r.cfg.LeaseRetry):
		}
	}
	return nil
}

// runLeased projects while the lease holds. done reports a finished drain.
func (r *Runner) runLeased(ctx context.Context, lease eventstore.Lease) (done bool, err error) {
	// err is named: the deferred save looks at it.
	checkpoint, err := r.cfg.Store.Checkpoint(ctx, &eventstore.CheckpointParams{Name: r.cfg.Name})
	if err != nil {
		return false, err
	}
	cursor := checkpoint
	if rs, ok := r.cfg.Projector.(Resumer); ok {
		if cursor, err = rs.Resume(ctx, checkpoint); err != nil {
			return false, fmt.Errorf("resume: %w", err)
		}
		if cursor != checkpoint {
			r.log.Warn("resuming before the checkpoint: the log no longer has its change", "checkpoint", checkpoint, "from", cursor)
		}
	}
	// saved is the checkpoint as stored: a cursor moved back is saved
	// with the first progress.
	p := pipeline{runner: r, ctx: ctx, durable: cursor, highest: cursor.Position, saved: checkpoint, savedAt: time.Now()}
	// On a stop, keep what was projected; not on a lost lease, where the
	// new holder owns the checkpoint.
	defer func() {
		p.abandon()
		if !errors.Is(err, errLeaseLost) {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if serr := p.save(sctx); serr != nil {
				r.log.Warn("saving the checkpoint on stop", "err", serr)
			}
		}
	}()
	var lingerUntil time.Time
	var ahead *readAhead
	defer func() { ahead.wait() }() // no read outlives the lease
	backoff := r.cfg.RetryMin
	for {
		select {
		case <-lease.Lost():
			return false, errLeaseLost
		case <-ctx.Done():
			return false, nil
		default:
		}
		if wait := time.Until(lingerUntil); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return false, nil
			}
		}
		wake := r.cfg.Store.Appended()
		read := ahead.next(ctx, r, p.next())
		ahead = nil
		page, err, readAt := read.events, read.err, read.readAt
		if err != nil {
			return false, fmt.Errorf("read feed: %w", err)
		}
		// A page that was neither full nor empty means appends are coming
		// in: wait a little before the next read, so that it takes in
		// several commits at once instead of one query each.
		lingerUntil = time.Time{}
		if len(page) > 0 && len(page) < r.cfg.PageSize {
			lingerUntil = readAt.Add(r.cfg.Linger)
		}
		full := len(page) == r.cfg.PageSize
		page = wholeAppends(page, r.cfg.PageSize)
		if full {
			// Behind: more follows at once.
			ahead = r.readAhead(ctx, page[len(page)-1].Cursor())
		}
		if len(page) == 0 {
			err = p.settle(0)
		} else {
			err = p.start(page)
			if err == nil {
				err = p.settle(r.cfg.InFlight)
			}
		}
		if err != nil && ctx.Err() != nil {
			return false, nil // stopping: pages in flight are projected again on resuming
		}
		if err != nil {
			r.cfg.Metrics.failed(r.cfg.Name)
			r.log.Warn("projecting failed; retrying from the checkpoint", "err", err, "after", p.durable, "retry_in", backoff)
			p.abandon() // the next page starts after the durable ones
			ahead.wait()
			ahead = nil
			select {
			case <-time.After(backoff):
			case <-lease.Lost():
				return false, errLeaseLost
			case <-ctx.Done():
				return false, nil
			}
			backoff = min(2*backoff, r.cfg.RetryMax)
			continue
		}
		backoff = r.cfg.RetryMin
		if len(page) > 0 {
			continue
		}
		if stop, done, err := r.caughtUp(ctx, lease, &p, wake); stop {
			return done, err
		}
	}
}

// caughtUp saves the checkpoint of a runner that is caught up, with
// everything it started durable, and waits for appends. stop tells
// runLeased to return done and err: the lease is lost, ctx ended, or a
// drain finished.
func (r *Runner) caughtUp(ctx context.Context, lease eventstore.Lease, p *pipeline, wake <-chan struct{}) (stop, done bool, err error) {
	if err := p.save(ctx); err != nil {
		return true, false, err
	}
	r.cfg.Metrics.caughtUp(ctx, r.cfg.Name, r.cfg.Store, p.durable)
	select {
	case <-wake:
	case <-lease.Lost():
		return true, false, errLeaseLost
	case <-ctx.Done():
		return true, false, nil
	case <-r.draining:
		head, err := r.cfg.Store.Head(ctx)
		if err != nil || head <= p.highest {
			return true, true, nil
		}
		time.Sleep(10 * time.Millisecond) // the rest is about to show
	}
	return false, false, nil
}

// wholeAppends keeps a full page from ending inside an append: the events
// of the last append are left for the next page, unless they are all there
// is. A projector then sees each append whole.
func wholeAppends(page []eventstore.RecordedEvent, limit int) []eventstore.RecordedEvent {
	if len(page) < limit || len(page) == 0 {
		return page
	}
	last := page[len(page)-1]
	i := len(page)
	for i > 0 && page[i-1].Commit == last.Commit && page[i-1].StreamID == last.StreamID {
		i--
	}
	if i == 0 {
		return page
	}
	return page[:i]
}
