package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fbsession/fbsession/eventstore"
)

// committer groups concurrent appends to different streams (group commit):
// the appends queued while batches run go together in the next one, one
// round trip and one commit for all. An append that comes when fewer than
// n appends or batches run, and none waits, runs at once, alone, on its
// caller's goroutine, as it would without a committer.
//
// A batch is a pipeline of the appends' own statements ended by one Sync,
// which PostgreSQL runs as one implicit transaction: if a statement fails
// (a unique violation: a stream created twice), all are rolled back, and
// each is run again alone to get its own answer. An append whose claimed
// head is stale inserts nothing and fails alone, as it would on its own.
type committer struct {
	s     *Store
	queue chan *pendingAppend
	n     int64 // committers: batches (or appends alone) that run at once
	max   int
	busy  atomic.Int64
	// queueAll sends every append through the queue, for tests of
	// batches: none runs on its caller's goroutine.
	queueAll bool
}

type pendingAppend struct {
	ctx  context.Context
	p    *eventstore.AppendParams
	done chan appendOutcome // buffered: a committer never waits for its caller
}

type appendOutcome struct {
	res *eventstore.AppendResult
	err error
}

func (r *pendingAppend) reply(res *eventstore.AppendResult, err error) {
	r.done <- appendOutcome{res: res, err: err}
}

// errStoreClosed answers the appends still queued when the store closes.
var errStoreClosed = fmt.Errorf("%w: the store is closed", eventstore.ErrUnavailable)

func (s *Store) startCommitters(n, maxBatch int) {
	c := &committer{s: s, queue: make(chan *pendingAppend, n*maxBatch), n: int64(n), max: maxBatch}
	s.commits = c
	for range n {
		s.wg.Add(1)
		go c.run()
	}
}

// batchable tells whether an append can go in a batch: one statement,
// without a read of the head before it.
func batchable(p *eventstore.AppendParams) bool {
	_, guarded := claimedHead(p)
	return guarded || p.ExpectedVersion == eventstore.NoStream
}

func (c *committer) append(ctx context.Context, p *eventstore.AppendParams) (*eventstore.AppendResult, error) {
	if len(c.queue) == 0 && !c.queueAll {
		if c.busy.Add(1) <= c.n {
			defer c.busy.Add(-1)
			return c.s.appendAlone(ctx, p)
		}
		c.busy.Add(-1)
	}
	r := &pendingAppend{ctx: ctx, p: p, done: make(chan appendOutcome, 1)}
	select {
	case c.queue <- r:
	case <-ctx.Done():
		return nil, fmt.Errorf("append to %s: %w", p.StreamID, ctx.Err())
	case <-c.s.ctx.Done():
		return nil, errStoreClosed
	}
	select {
	case out := <-r.done:
		return out.res, out.err
	case <-ctx.Done():
	case <-c.s.ctx.Done():
	}
	select {
	case out := <-r.done: // answered meanwhile: that answer holds
		return out.res, out.err
	default:
	}
	if ctx.Err() != nil {
		// Taken into a batch, it may yet commit: the outcome is unknown.
		return nil, outcomeUnknown(p, ctx.Err())
	}
	return nil, errStoreClosed
}

func (c *committer) run() {
	defer c.s.wg.Done()
	for {
		var first *pendingAppend
		select {
		case first = <-c.queue:
		case <-c.s.ctx.Done():
			return
		}
		c.busy.Add(1)
		batch, later := c.fill(first)
		c.commit(batch)
		for _, r := range later {
			c.commit([]*pendingAppend{r})
		}
		c.busy.Add(-1)
	}
}

// fill takes what is queued, up to a batch, with one append per stream:
// a second append to a stream waits for the batch holding the first (it
// claims the head the first makes), and then runs alone.
func (c *committer) fill(first *pendingAppend) (batch, later []*pendingAppend) {
	batch = append(make([]*pendingAppend, 0, c.max), first)
	streams := map[string]bool{first.p.StreamID: true}
	for len(batch) < c.max {
		select {
		case r := <-c.queue:
			if streams[r.p.StreamID] {
				later = append(later, r)
				continue
			}
			streams[r.p.StreamID] = true
			batch = append(batch, r)
		default:
			return batch, later
		}
	}
	return batch, later
}

func (c *committer) commit(batch []*pendingAppend) {
	live := batch[:0]
	for _, r := range batch {
		switch {
		case r.ctx.Err() != nil:
			r.reply(nil, fmt.Errorf("append to %s: %w", r.p.StreamID, r.ctx.Err()))
		case c.s.ctx.Err() != nil:
			r.reply(nil, errStoreClosed)
		default:
			live = append(live, r)
		}
	}
	if len(live) == 1 {
		r := live[0]
		r.reply(c.s.appendAlone(r.ctx, r.p))
		return
	}
	if len(live) == 0 {
		return
	}
	// In one order, so that two batches that touch the same streams (a
	// race on a session between processes or committers) take their locks
	// in the same order and wait for each other instead of deadlocking.
	slices.SortFunc(live, func(a, b *pendingAppend) int { return strings.Compare(a.p.StreamID, b.p.StreamID) })
	// The wait for a connection is bounded by the appends' deadlines;
	// once sent, the batch commits whatever its callers do: none of them
	// cancels it (see commitContext), and they are answered at their own
	// deadlines.
	ctx, cancel := batchContext(c.s.ctx, live)
	defer cancel()
	out, failed, err := c.s.appendBatch(ctx, live)
	switch {
	case failed >= 0:
		// That append's statement failed, and with it the batch: the ones
		// before it were rolled back, the ones after it never ran. It gets
		// its own answer alone; the others go again together.
		r := live[failed]
		r.reply(c.s.appendAlone(r.ctx, r.p))
		c.commit(slices.Delete(live, failed, failed+1))
	case err != nil:
		// Whether the batch committed is unknown (the connection was lost,
		// the deadline passed): the caller may retry, as after any lost
		// statement.
		for _, r := range live {
			r.reply(nil, interpretError(fmt.Errorf("append to %s in a batch of %d: %w: %w", r.p.StreamID, len(live), eventstore.ErrUnavailable, err)))
		}
	default:
		for i, r := range live {
			r.reply(out[i].res, out[i].err)
		}
	}
}

// batchContext bounds the wait for a batch's connection by the latest
// deadline of its appends: none of them waits longer than it would alone,
// and no append is cut short by another's.
func batchContext(parent context.Context, batch []*pendingAppend) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, r := range batch {
		d, ok := r.ctx.Deadline()
		if !ok {
			return context.WithCancel(parent)
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(parent, latest)
}

// appendBatch runs appends as one pipeline and one transaction. failed is
// the index of the append whose statement PostgreSQL refused, which rolled
// the batch back, or -1. Otherwise err is the batch's, its outcome unknown
// (a lost connection, an answer that could not be read). Without either,
// each append has its outcome: done, or refused alone (a stale head, an
// invalid append).
func (s *Store) appendBatch(ctx context.Context, reqs []*pendingAppend) (out []appendOutcome, failed int, err error) {
	// The connection first, then the stamps, as for an append alone.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, -1, err
	}
	defer conn.Release() // a no-op once released below
	ctx, unwatch := s.commitContext(ctx, conn)
	defer unwatch()
	out = make([]appendOutcome, len(reqs))
	stmts := make([]*appendStatement, len(reqs))
	b := &pgx.Batch{}
	for i, r := range reqs {
		prev, guarded := claimedHead(r.p) // batchable: claimed, or a new stream
		st, err := s.appendStatement(r.p, prev, guarded)
		if err != nil {
			out[i].err = err
			continue
		}
		stmts[i] = st
		b.Queue(st.sql, st.args...)
	}
	if b.Len() == 0 {
		return out, -1, nil
	}
	br := conn.SendBatch(ctx, b)
	failed = -1
	var broken error
	for i, st := range stmts {
		if st == nil {
			continue
		}
		rows, err := br.Query()
		if err == nil {
			out[i].res, err = st.result(rows)
		}
		var pgErr *pgconn.PgError
		switch {
		case err == nil, errors.Is(err, errStaleHead):
			out[i].err = err
			continue
		case errors.As(err, &pgErr):
			failed = i
		default:
			broken = err
		}
		break
	}
	if err := br.Close(); broken == nil && failed < 0 {
		broken = err
	}
	unwatch()      // before the connection goes back to the pool
	conn.Release() // before the heads of lost races are read
	if failed >= 0 || broken != nil {
		return nil, failed, broken
	}
	done := false
	for i := range out {
		if out[i].err != nil {
			out[i].err = s.withActual(reqs[i].ctx, reqs[i].p, out[i].err)
		} else if out[i].res != nil {
			done = true
		}
	}
	if done {
		s.appended()
	}
	return out, -1, nil
}
