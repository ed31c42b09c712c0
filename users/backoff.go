package users

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// BackoffConfig limits failed attempts per key (a user name, a client
// address): Free failures go unhindered; then each attempt waits, Base
// after the last free failure and twice as long after each further one,
// up to Max. A key with no failure for Forget starts afresh.
type BackoffConfig struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
	// Keys bounds how many keys with failures are remembered, so that
	// rotating names or addresses cannot grow memory: up to Keys not
	// locked out, least recently failed first out, and up to Keys locked
	// out, which are never forgotten early (see backoff).
	Keys int
}

func (c *BackoffConfig) setDefaults(free int, max time.Duration) {
	if c.Free <= 0 {
		c.Free = free
	}
	if c.Base <= 0 {
		c.Base = time.Second
	}
	if c.Max <= 0 {
		c.Max = max
	}
	if c.Forget <= 0 {
		c.Forget = 15 * time.Minute
	}
	if c.Keys <= 0 {
		c.Keys = 65_536
	}
}

// key is a hashed key: a name in an HTTP header can be a megabyte long.
type key = [sha256.Size]byte

// backoff applies a BackoffConfig. Safe for concurrent use.
//
// Only failures are remembered: were every attempt, an attacker's
// successes or fresh names would push out the record of a name locked
// out, and the lockout with it. A locked-out key moves to locked, which
// nothing evicts; when locked is full, an attempt that could lock one
// more key is refused (throttled) until a lockout expires. This fails
// closed for keys near their lockout, never open for the locked ones,
// and keeps clean keys working. Filling it takes Keys × Free failed
// bcrypt checks within Max, which the check slots make slow.
type backoff struct {
	cfg BackoffConfig
	mu  sync.Mutex
	// running counts each key's attempts in flight; a key leaves when its
	// last one ends, so that the map is bounded by concurrent attempts.
	running map[key]int
	// counted holds the keys with failures not locked out.
	counted *simplelru.LRU[key, *failures]
	// locked holds the keys locked out, at most Keys plus the attempts in
	// flight when it filled. Expired ones go back to counted when room is
	// needed; none expires before nextExpiry, so that a full table of
	// live lockouts costs no scan per attempt.
	locked     map[key]*failures
	nextExpiry time.Time
}

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

func newBackoff(cfg BackoffConfig) *backoff {
	counted, _ := simplelru.NewLRU[key, *failures](cfg.Keys, nil) // errs only on a size <= 0
	return &backoff{cfg: cfg, running: map[key]int{}, counted: counted, locked: map[key]*failures{}}
}

// begin tells how long to wait before an attempt on name, or 0 and counts
// the attempt in flight until end. Only failures count against the free
// ones: attempts in flight may all succeed, as a herd of users logging in
// again through one NAT after a restart does. Past the free failures only
// one attempt at a time runs; before, parallel guesses are bounded by the
// check slots and by blocked, which each attempt asks again once it holds
// one.
func (b *backoff) begin(name string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := sha256.Sum256([]byte(name))
	b.expire(now) // first: it may evict k from counted
	running := b.running[k]
	f, isLocked := b.locked[k]
	if !isLocked {
		f, _ = b.counted.Get(k)
	}
	if f != nil && running == 0 && now.Sub(f.last) > b.cfg.Forget {
		b.drop(k)
		f, isLocked = nil, false
	}
	n := 0
	if f != nil {
		n = f.n
		if now.Before(f.until) {
			return f.until.Sub(now)
		}
	}
	switch {
	case n >= b.cfg.Free && running > 0:
		return b.cfg.Base
	case !isLocked && n+1 >= b.cfg.Free && len(b.locked) >= b.cfg.Keys:
		return b.cfg.Base // a failure would lock k out, with no room to remember it
	}
	b.running[k]++
	return 0
}

// blocked tells how long name is still locked out: a lockout may have
// begun while an attempt begun earlier waited for its check.
func (b *backoff) blocked(name string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := sha256.Sum256([]byte(name))
	f, ok := b.locked[k]
	if !ok || !now.Before(f.until) {
		return 0
	}
	return f.until.Sub(now)
}

// end closes an attempt begun; failed attempts count.
func (b *backoff) end(name string, failed bool, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := sha256.Sum256([]byte(name))
	if b.running[k] <= 1 {
		delete(b.running, k)
	} else {
		b.running[k]--
	}
	if failed {
		b.fail(k, now)
	}
}

// fail counts a failure of k, and locks it out past the free ones.
func (b *backoff) fail(k key, now time.Time) {
	f, ok := b.locked[k]
	if !ok {
		if f, ok = b.counted.Peek(k); !ok {
			f = &failures{}
			b.counted.Add(k, f)
		}
	}
	f.n++
	f.last = now
	if over := f.n - b.cfg.Free; over >= 0 {
		wait := b.cfg.Base
		for i := 0; i < over && wait < b.cfg.Max; i++ {
			wait *= 2
		}
		f.until = now.Add(min(wait, b.cfg.Max))
		b.lock(k, f)
	}
}

// wait tells how long an attempt on name must wait, as begin does, but
// counts no attempt in flight: for attempts that cost a query, not a
// bcrypt check, which need no more than the lockout (see FailureLimit).
func (b *backoff) wait(name string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := sha256.Sum256([]byte(name))
	b.expire(now)
	f, isLocked := b.locked[k]
	if !isLocked {
		f, _ = b.counted.Peek(k)
	}
	if f != nil && b.running[k] == 0 && now.Sub(f.last) > b.cfg.Forget {
		b.drop(k)
		return 0
	}
	n := 0
	if f != nil {
		n = f.n
		if now.Before(f.until) {
			return f.until.Sub(now)
		}
	}
	if !isLocked && n+1 >= b.cfg.Free && len(b.locked) >= b.cfg.Keys {
		return b.cfg.Base // a failure would lock k out, with no room to remember it
	}
	return 0
}

// failed counts a failure of name begun without begin (see wait).
func (b *backoff) failed(name string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fail(sha256.Sum256([]byte(name)), now)
}

// forget drops name's failures, after a success.
func (b *backoff) forget(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drop(sha256.Sum256([]byte(name)))
}

func (b *backoff) drop(k key) {
	delete(b.locked, k)
	b.counted.Remove(k)
}

func (b *backoff) lock(k key, f *failures) {
	b.counted.Remove(k)
	b.locked[k] = f
	if b.nextExpiry.IsZero() || f.until.Before(b.nextExpiry) {
		b.nextExpiry = f.until
	}
}

// expire makes room in a full locked by moving the expired lockouts back
// to counted: they keep their failures, so that the next one waits twice
// as long, but may be evicted again.
func (b *backoff) expire(now time.Time) {
	if len(b.locked) < b.cfg.Keys || now.Before(b.nextExpiry) {
		return
	}
	b.nextExpiry = time.Time{}
	for k, f := range b.locked {
		if !now.Before(f.until) {
			delete(b.locked, k)
			b.counted.Add(k, f)
		} else if b.nextExpiry.IsZero() || f.until.Before(b.nextExpiry) {
			b.nextExpiry = f.until
		}
	}
}

// size is how many keys have failures remembered.
func (b *backoff) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counted.Len() + len(b.locked)
}
