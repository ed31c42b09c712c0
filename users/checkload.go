package users

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// checkLoad paces the attempts refused for want of a check slot: each is
// told to come back when the slots should be free for it, as if booked
// behind those refused before it. A herd refused together (every desktop
// behind a NAT after a restart) that came back together would leave the
// slots idle until it did, and be refused together again.
type checkLoad struct {
	// took is a moving average of a check's duration, in nanoseconds; 0
	// before the first.
	took atomic.Int64

	mu     sync.Mutex
	booked time.Time // when the slots are taken until, by the attempts told to come back
}

func (l *checkLoad) checked(d time.Duration) {
	old := l.took.Load()
	if old == 0 {
		l.took.Store(int64(d))
		return
	}
	l.took.Store(old + (int64(d)-old)/8) // a lost update only slows the average
}

// maxBookedAhead bounds how far turns are booked: attempts that never come
// back for theirs (a flood) must not push every later one into minutes.
const maxBookedAhead = 30 * time.Second

// retryAfter books a check for a refused attempt and tells when to come
// back: the whole seconds before its turn, so that it comes back up to a
// second early and waits its turn within CheckWait; at least 1 s, at
// most maxBookedAhead.
func (l *checkLoad) retryAfter(slots int, now time.Time) time.Duration {
	per := time.Duration(l.took.Load() / int64(max(slots, 1)))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.booked.Before(now) {
		l.booked = now
	}
	l.booked = l.booked.Add(per)
	if limit := now.Add(maxBookedAhead); l.booked.After(limit) {
		l.booked = limit
	}
	return max(time.Second, l.booked.Sub(now).Truncate(time.Second))
}

// acquireCheck waits up to CheckWait for a check slot.
func (a *Authenticator) acquireCheck(ctx context.Context) error {
	wait, cancel := context.WithTimeout(ctx, a.cfg.CheckWait)
	defer cancel()
	if err := a.checks.Acquire(wait, 1); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return a.throttled(reasonBusy, a.load.retryAfter(a.cfg.Checks, a.cfg.Now()))
	}
	return nil
}
