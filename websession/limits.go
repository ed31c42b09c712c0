package websession

import (
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// issueLimit bounds how often each user is issued a session, in this
// process. A user forgotten (past Config.IssueUsers, the least recently
// issued) starts afresh: rotating that many users takes that many
// passwords.
type issueLimit struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	users *lru.LRU[string, *rate.Limiter]
}

func newIssueLimit(cfg Config) *issueLimit {
	users, _ := lru.NewLRU[string, *rate.Limiter](cfg.IssueUsers, nil) // errs only on a size <= 0
	return &issueLimit{rate: cfg.IssueRate, burst: cfg.IssueBurst, users: users}
}

// wait takes one issue of user's budget at now, or tells how long until
// there is one.
func (l *issueLimit) wait(user string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.users.Get(user)
	if !ok {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.users.Add(user, lim)
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}
