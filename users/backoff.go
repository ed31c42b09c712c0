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
	// Keys bounds how many keys are remembered, least recently tried
	// first out, so that rotating names or addresses cannot grow memory.
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

// backoff applies a BackoffConfig. Safe for concurrent use.
type backoff struct {
	cfg BackoffConfig
	mu  sync.Mutex
	// keys are hashed: a name in an HTTP header can be a megabyte long.
	keys *simplelru.LRU[[sha256.Size]byte, *failures]
}

type failures struct {
	n        int
	last     time.Time
	until    time.Time
	inFlight int
}

func newBackoff(cfg BackoffConfig) *backoff {
	keys, _ := simplelru.NewLRU[[sha256.Size]byte, *failures](cfg.Keys, nil) // errs only on a size <= 0
	return &backoff{cfg: cfg, keys: keys}
}

// begin tells how long to wait before an attempt on key, or 0 and counts
// the attempt in flight until end. Past the free failures only one attempt
// at a time runs, so parallel guesses cannot slip in before the failures
// are counted.
func (b *backoff) begin(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := sha256.Sum256([]byte(key))
	f, ok := b.keys.Get(k)
	if !ok {
		f = &failures{}
		b.keys.Add(k, f)
	}
	if f.inFlight == 0 && now.Sub(f.last) > b.cfg.Forget {
		f.n = 0
	}
	switch {
	case now.Before(f.until):
		return f.until.Sub(now)
	case f.n+f.inFlight >= b.cfg.Free && f.inFlight > 0:
		return b.cfg.Base
	}
	f.inFlight++
	return 0
}

// end closes an attempt begun; failed attempts count.
func (b *backoff) end(key string, failed bool, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.keys.Peek(sha256.Sum256([]byte(key)))
	if !ok {
		return // evicted meanwhile
	}
	f.inFlight = max(0, f.inFlight-1)
	if !failed {
		return
	}
	f.n++
	f.last = now
	if over := f.n - b.cfg.Free; over >= 0 {
		wait := b.cfg.Base
		for i := 0; i < over && wait < b.cfg.Max; i++ {
			wait *= 2
		}
		f.until = now.Add(min(wait, b.cfg.Max))
	}
}

// forget drops key's failures, after a success.
func (b *backoff) forget(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f, ok := b.keys.Peek(sha256.Sum256([]byte(key))); ok {
		f.n, f.until = 0, time.Time{}
	}
}
