package users

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// checkLoad tracks the attempts waiting for a check slot and how long a
// check takes, to tell a refused attempt when to come back.
type checkLoad struct {
	waiting atomic.Int64
	// took is a moving average of a check's duration, in nanoseconds; 0
	// before the first.
	took atomic.Int64
}

func (l *checkLoad) checked(d time.Duration) {
	old := l.took.Load()
	if old == 0 {
		l.took.Store(int64(d))
		return
	}
	l.took.Store(old + (int64(d)-old)/8) // a lost update only slows the average
}

// retryAfter spreads the attempts refused for want of a slot at random
// over the time the attempts now waiting take to check: a herd refused
// together (every desktop behind a NAT after a restart) that came back
// together would leave the slots idle until it did, and be refused
// together again.
func (l *checkLoad) retryAfter(slots int) time.Duration {
	drain := time.Duration(l.waiting.Load() * l.took.Load() / int64(max(slots, 1)))
	secs := max(1, int(drain/time.Second))
	return time.Duration(1+rand.IntN(secs)) * time.Second
}

// acquireCheck waits up to CheckWait for a check slot.
func (a *Authenticator) acquireCheck(ctx context.Context) error {
	a.load.waiting.Add(1)
	defer a.load.waiting.Add(-1)
	wait, cancel := context.WithTimeout(ctx, a.cfg.CheckWait)
	defer cancel()
	if err := a.checks.Acquire(wait, 1); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return a.throttled(reasonBusy, a.load.retryAfter(a.cfg.Checks))
	}
	return nil
}
