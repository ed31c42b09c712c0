package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/domain/routing"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/users"
)

// LeaseName is the lease the deciding router holds.
const LeaseName = "router"

// Store is what the router reads: the feed, and the lease.
type Store interface {
	eventstore.Store
	eventstore.Leases
}

// Config configures a Router.
type Config struct {
	Store    Store
	Sessions *commands.Handler
	Agents   *commands.AgentHandler
	// Now is the router's clock. Default time.Now.
	Now func() time.Time
	// PageSize is how many events are folded at a time. Default 256, as
	// the notifier's: a page of seed-sized sessions is a megabyte, held
	// while it is folded.
	PageSize int
	// Parallel bounds the commands carried out at once. Default 8.
	Parallel int
	// MaxOffers bounds the offers of one pass, so that a queue of
	// thousands is offered a batch at a time. Default 256.
	MaxOffers int
	// Linger is the least time between two reads of the log while
	// appends keep coming. Default 5ms.
	Linger time.Duration
	// LeaseRetry is how often a process without the lease tries to take
	// it. Default 1s.
	LeaseRetry time.Duration
	// RetryMin and RetryMax bound the backoff after a failed read or
	// command. Defaults 100ms and 5s.
	RetryMin, RetryMax time.Duration
	Metrics            *Metrics
	Logger             *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PageSize <= 0 {
		c.PageSize = 256
	}
	if c.Parallel <= 0 {
		c.Parallel = 8
	}
	if c.MaxOffers <= 0 {
		c.MaxOffers = 256
	}
	if c.LeaseRetry <= 0 {
		c.LeaseRetry = time.Second
	}
	if c.Linger <= 0 {
		c.Linger = 5 * time.Millisecond
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 100 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Router follows the log and, holding the lease, routes.
type Router struct {
	cfg Config
	log *slog.Logger

	mu sync.Mutex
	// board is pic.board, the one the router decides on.
	board *routing.Board
	pic   *picture
	// caughtUp: the board has folded the log up to a recent head.
	caughtUp bool
	// moved is signalled when the board changed: the leader looks again.
	moved  chan struct{}
	leader atomic.Bool
}

// New returns a router; Run starts it.
func New(cfg Config) (*Router, error) {
	cfg.setDefaults()
	if cfg.Store == nil || cfg.Sessions == nil || cfg.Agents == nil {
		return nil, errors.New("router: a store and the sessions' and agents' handlers are required")
	}
	pic := newPicture()
	r := &Router{cfg: cfg, log: cfg.Logger.With("component", "router"), board: pic.board, pic: pic, moved: make(chan struct{}, 1)}
	cfg.Metrics.watch(r)
	return r, nil
}

// Run follows the log and routes while it holds the lease, until ctx
// ends.
func (r *Router) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.lead(ctx)
	}()
	r.follow(ctx)
	wg.Wait()
	return nil
}

// Leading tells whether this router decides.
func (r *Router) Leading() bool { return r.leader.Load() }

// Figures are the named queue's live figures.
func (r *Router) Figures(queue string) routing.Figures {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.board.Figures(queue, r.cfg.Now())
}

// nudge tells the leader the board moved.
func (r *Router) nudge() {
	select {
	case r.moved <- struct{}{}:
	default:
	}
}

// follow folds the log into the board, from its start, page by page,
// then each append as it comes.
func (r *Router) follow(ctx context.Context) {
	var after eventstore.Cursor
	backoff := r.cfg.RetryMin
	for ctx.Err() == nil {
		wake := r.cfg.Store.Appended()
		page, err := r.cfg.Store.ReadFeed(ctx, &eventstore.ReadFeedParams{After: after, Limit: r.cfg.PageSize})
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("reading the log", "err", err, "retry_in", backoff)
			}
			sleep(ctx, backoff)
			backoff = min(2*backoff, r.cfg.RetryMax)
			continue
		}
		backoff = r.cfg.RetryMin
		if len(page) > 0 {
			r.mu.Lock()
			for i := range page {
				if err := r.pic.apply(&page[i]); err != nil {
					r.cfg.Metrics.unreadable()
					r.log.Error("an event the router cannot read is skipped", "err", err)
				}
			}
			queues := r.board.Queues()
			r.mu.Unlock()
			r.cfg.Metrics.known(queues)
			after = page[len(page)-1].Cursor()
		}
		if len(page) == r.cfg.PageSize {
			continue // behind: more follows at once
		}
		r.mu.Lock()
		r.caughtUp = true
		r.mu.Unlock()
		r.nudge()
		// A page neither full nor empty means appends are coming in: a
		// moment's wait takes in several commits with one read instead
		// of one each, which the Complete path's database would pay for.
		if len(page) > 0 {
			sleep(ctx, r.cfg.Linger)
		}
		select {
		case <-wake:
		case <-ctx.Done():
		}
	}
}

// lead takes the lease whenever it can and routes while it holds it.
func (r *Router) lead(ctx context.Context) {
	for ctx.Err() == nil {
		lease, err := r.cfg.Store.Lease(ctx, &eventstore.LeaseParams{Name: LeaseName})
		switch {
		case errors.Is(err, eventstore.ErrLeaseHeld):
		case err != nil:
			if ctx.Err() == nil {
				r.log.Warn("cannot take the router's lease", "err", err)
			}
		default:
			r.log.Info("routing: this process holds the router's lease")
			r.leader.Store(true)
			r.cfg.Metrics.leading(true)
			r.route(ctx, lease)
			r.leader.Store(false)
			r.cfg.Metrics.leading(false)
			lease.Release()
		}
		sleep(ctx, r.cfg.LeaseRetry)
	}
}

// route decides while the lease holds: on each move of the board, and at
// each offer's deadline.
func (r *Router) route(ctx context.Context, lease eventstore.Lease) {
	backoff := time.Duration(0)
	for {
		// At least a look a second: a deadline is the router's clock's,
		// which may jump, and a look that finds nothing costs nothing.
		wait := time.Second
		r.mu.Lock()
		if d, ok := r.board.NextDeadline(); ok {
			wait = min(wait, max(0, d.Sub(r.cfg.Now())))
		}
		r.mu.Unlock()
		if backoff > 0 {
			wait = min(wait, backoff)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-lease.Lost():
			timer.Stop()
			r.log.Warn("routing: the router's lease is lost; following only")
			return
		case <-r.moved:
		case <-timer.C:
		}
		timer.Stop()
		if r.pass(ctx) {
			backoff = min(max(2*backoff, r.cfg.RetryMin), r.cfg.RetryMax)
		} else {
			backoff = 0
		}
	}
}

// pass carries out what the board says now: the offers that ran out,
// the NoAnswers owed, then new offers. failed tells that a command failed
// for a reason other than the session having moved on, to retry after a
// backoff.
func (r *Router) pass(ctx context.Context) (failed bool) {
	r.mu.Lock()
	if !r.caughtUp {
		r.mu.Unlock()
		return false
	}
	now := r.cfg.Now()
	expired := r.board.Expired(now)
	owed := r.board.Owed()
	offers := r.board.Next(now, r.cfg.MaxOffers)
	r.mu.Unlock()

	var bad atomic.Bool
	run(ctx, r.cfg.Parallel, len(expired), func(i int) {
		if !r.timeOut(ctx, expired[i]) {
			bad.Store(true)
		}
	})
	run(ctx, r.cfg.Parallel, len(owed), func(i int) {
		if !r.noAnswer(ctx, owed[i]) {
			bad.Store(true)
		}
	})
	run(ctx, r.cfg.Parallel, len(offers), func(i int) {
		if !r.offer(ctx, offers[i]) {
			bad.Store(true)
		}
	})
	if len(offers) == r.cfg.MaxOffers {
		r.nudge() // more may wait
	}
	return bad.Load()
}

// Actor is the user id the router's commands are recorded by.
const Actor = "router"

// offer appends the Route of an offer; ok is false when it failed for a
// reason worth a backoff. The board learns of the offer from the log.
func (r *Router) offer(ctx context.Context, o routing.Offer) (ok bool) {
	d := o.Decision
	_, err := r.cfg.Sessions.Operate(ctx, commands.Request{Actor: Actor}, o.SessionID, fb.Route{AgentID: o.AgentID, Decision: &d})
	if err == nil {
		r.cfg.Metrics.offered(d.Queue, d.DecidedAt.Sub(d.WaitingSince))
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case moved(err):
		r.board.Undo(o, true)
		r.cfg.Metrics.failed("moved")
		return true
	case errors.Is(err, users.ErrNotAgent):
		// Disabled, or no longer an agent, yet Ready in their stream:
		// offered nothing until their channel changes.
		r.board.Undo(o, false)
		r.board.Hold(o.AgentID)
		r.cfg.Metrics.failed("not_agent")
		r.log.Warn("routing: a Ready member is no agent the directory accepts; passed over until their channel changes", "agent", o.AgentID)
		r.nudge()
		return true
	default:
		r.board.Undo(o, false)
		r.cfg.Metrics.failed("error")
		if ctx.Err() == nil {
			r.log.Warn("routing: offering a session failed; it waits", "session", o.SessionID, "agent", o.AgentID, "err", err)
		}
		return false
	}
}

// timeOut appends the TimeOut of an expired offer. The NoAnswer it may
// owe the agent follows from the log (noAnswer).
func (r *Router) timeOut(ctx context.Context, x routing.Expiry) (ok bool) {
	_, err := r.cfg.Sessions.Operate(ctx, commands.Request{Actor: Actor}, x.SessionID, fb.TimeOut{
		AgentID: x.AgentID, Offer: x.Offer, TimeoutSeconds: int(x.Timeout / time.Second), NoAnswerNotReady: x.NoAnswerNotReady,
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err == nil:
		r.cfg.Metrics.timedOut(x.Queue)
		return true
	case moved(err):
		// Answered as it ran out: the log tells; the agent is not owed.
		r.board.Unhold(x.AgentID)
		r.nudge()
		return true
	default:
		r.board.Retry(x, r.cfg.Now().Add(r.cfg.RetryMin))
		r.cfg.Metrics.failed("error")
		if ctx.Err() == nil {
			r.log.Warn("routing: timing out an offer failed; retrying", "session", x.SessionID, "agent", x.AgentID, "err", err)
		}
		return false
	}
}

// noAnswer sets an agent who let an offer time out NotReady, with reason
// NoAnswer, keyed by the offer: sent again after a crash or a failure, it
// changes nothing twice.
func (r *Router) noAnswer(ctx context.Context, n routing.NoAnswer) (ok bool) {
	_, err := r.cfg.Agents.Execute(ctx, commands.Request{Actor: Actor, IdempotencyKey: fmt.Sprintf("noanswer-%s-%d", n.SessionID, n.Offer)},
		as.SetNotReady{
			Sender:  as.Sender{Agent: n.AgentID, By: Actor, Supervisor: true},
			Channel: as.ChannelFacebookSession, ReasonCode: ReasonNoAnswer,
		})
	if err == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if errors.Is(err, as.ErrUnknownAgent) {
		// No agent the directory takes: nothing to set, and nothing to
		// offer them either.
		r.board.Hold(n.AgentID)
		r.board.Forget(n)
		return true
	}
	r.board.Unsent(n)
	r.cfg.Metrics.failed("error")
	if ctx.Err() == nil {
		r.log.Warn("routing: setting an agent NotReady after an unanswered offer failed; retrying", "agent", n.AgentID, "err", err)
	}
	return false
}

// ReasonNoAnswer is the reasonCode of an agent set NotReady for letting an
// offer time out.
const ReasonNoAnswer = "NoAnswer"

// moved tells a command refused because the session is no longer as the
// board saw it.
func moved(err error) bool {
	return errors.Is(err, fb.ErrInvalidState) || errors.Is(err, fb.ErrNotFound)
}

// run calls f for 0..n-1, at most parallel at once.
func run(ctx context.Context, parallel, n int, f func(int)) {
	if n == 0 {
		return
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// QueueFigures are the named queue's live figures as the API shows them.
func (r *Router) QueueFigures(name string) queue.Figures {
	f := r.Figures(name)
	return queue.Figures{Waiting: f.Waiting, OldestWaitSeconds: int(f.OldestWait / time.Second),
		AgentsReady: f.AgentsReady, AgentsBusy: f.AgentsBusy}
}
