package users

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/netip"
	"runtime"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"
)

// AuthenticatorConfig tunes an Authenticator. The zero value is valid.
type AuthenticatorConfig struct {
	// TTL bounds how long verified credentials are trusted without a new
	// bcrypt check. Default 5 minutes.
	TTL time.Duration
	// CheckEvery is how often the directory is asked which users changed
	// (disabled, new password), to forget their credentials. Default 1s.
	CheckEvery time.Duration
	// MaxEntries caps the cache, least recently used first out. Default
	// 100k.
	MaxEntries int
	// PerName and PerAddress limit failed attempts per user name and per
	// client address. Defaults: 5 free failures per name, then waits from
	// 1s doubling up to 1 minute (short, since anyone can lock a name
	// out); 20 per address, up to 15 minutes.
	PerName, PerAddress BackoffConfig
	// Checks bounds the bcrypt checks running at once, so that a flood of
	// wrong passwords leaves CPU to serve verified users. Default
	// GOMAXPROCS-1, at least 1.
	Checks int
	// CheckWait bounds how long an attempt waits for a check slot before
	// it is throttled. Default 1s.
	CheckWait time.Duration
	// CheckTimeout bounds a whole check, slot wait included. A check is
	// shared by the concurrent attempts with the same credentials, so it
	// runs on none of their contexts: one caller giving up must not fail
	// the others. Default CheckWait plus 10s.
	CheckTimeout time.Duration
	// Registerer, when set, receives fbsession_auth_failures_total.
	Registerer prometheus.Registerer
	Now        func() time.Time
}

func (c *AuthenticatorConfig) setDefaults() {
	if c.TTL <= 0 {
		c.TTL = 5 * time.Minute
	}
	if c.CheckEvery <= 0 {
		c.CheckEvery = time.Second
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = 100_000
	}
	c.PerName.setDefaults(5, time.Minute)
	c.PerAddress.setDefaults(20, 15*time.Minute)
	if c.Checks <= 0 {
		c.Checks = max(1, runtime.GOMAXPROCS(0)-1)
	}
	if c.CheckWait <= 0 {
		c.CheckWait = time.Second
	}
	if c.CheckTimeout <= 0 {
		c.CheckTimeout = c.CheckWait + 10*time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Authenticator checks HTTP Basic credentials. A bcrypt check costs
// milliseconds, too much for every request of a busy desktop fleet, so
// verified credentials are cached under an HMAC of name and password, with
// a key drawn at start that never leaves the process: the cache holds
// neither passwords nor anything that could be checked against one
// offline. A user's credentials are forgotten as soon as that user
// changes; the others' stay.
//
// Cache misses cost a bcrypt check each, which makes wrong passwords a
// cheap way to exhaust the CPU: failures are limited per name and per
// address, refused before any check, and the checks run a few at a time.
type Authenticator struct {
	dir *Directory
	cfg AuthenticatorConfig
	key []byte

	flight   singleflight.Group
	cache    *lru.Cache[[sha256.Size]byte, cachedUser]
	names    *backoff
	addrs    *backoff
	checks   *semaphore.Weighted
	load     checkLoad
	failures *prometheus.CounterVec

	// joined, when set, is called once an attempt waits on a check:
	// tests learn that it shares one.
	joined func()

	mu        sync.Mutex
	version   int64 // of the directory when last checked; -1 before
	checkedAt time.Time
	// changed holds the row version of each user changed since start:
	// credentials verified on an older row are stale.
	changed map[string]int64
}

type cachedUser struct {
	user    User
	version int64
	expires time.Time
}

// NewAuthenticator returns an authenticator on dir.
func NewAuthenticator(dir *Directory, cfg AuthenticatorConfig) *Authenticator {
	cfg.setDefaults()
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails on supported platforms
	// lru.New errs only on a size <= 0, which setDefaults rules out.
	cache, _ := lru.New[[sha256.Size]byte, cachedUser](cfg.MaxEntries)
	// The dummy hash now, so that the first unknown name costs no more
	// than the next (unless a user at a higher cost is added later).
	dir.dummyHash(context.Background())
	return &Authenticator{
		dir: dir, cfg: cfg, key: key, cache: cache,
		names: newBackoff(cfg.PerName), addrs: newBackoff(cfg.PerAddress),
		checks:   semaphore.NewWeighted(int64(cfg.Checks)),
		failures: newFailureCounter(cfg.Registerer),
		version:  -1, changed: map[string]int64{},
	}
}

// Authenticate returns the user the credentials belong to, or
// ErrBadCredentials, or a *ThrottledError when the name or the client
// address failed too often or too many checks are running. client is the
// client's IP address; empty when unknown, which skips the per-address
// limit.
func (a *Authenticator) Authenticate(ctx context.Context, client, userName, password string) (User, error) {
	u, _, err := a.AuthenticateVersion(ctx, client, userName, password)
	return u, err
}

// AuthenticateVersion is Authenticate, also returning the version of the
// user's row the credentials were verified on (from the cache when they
// were): a browser session issued on these credentials is bound to it,
// and ends as soon as the row changes (websession). A version that is
// already stale only makes that session invalid from the start.
func (a *Authenticator) AuthenticateVersion(ctx context.Context, client, userName, password string) (User, int64, error) {
	if err := a.refresh(ctx); err != nil {
		return User{}, 0, err
	}
	key := a.cacheKey(userName, password)
	if c, ok := a.cache.Get(key); ok {
		if a.cfg.Now().Before(c.expires) && !a.stale(c) {
			return c.user, c.version, nil
		}
		a.cache.Remove(key)
	}
	// Concurrent first requests with the same credentials from the same
	// client share one check, which runs on a context of its own (see
	// CheckTimeout); each caller still stops waiting when its own ends.
	// The values ctx carries (trace ids) are kept.
	done := a.flight.DoChan(string(key[:])+client, func() (any, error) {
		shared, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.CheckTimeout)
		defer cancel()
		return a.check(shared, clientKey(client), userName, password)
	})
	if a.joined != nil {
		a.joined()
	}
	select {
	case r := <-done:
		if r.Err != nil {
			return User{}, 0, r.Err
		}
		v := r.Val.(verification)
		return v.user, v.version, nil
	case <-ctx.Done():
		return User{}, 0, ctx.Err()
	}
}

// check runs a bcrypt check, unless the name or the address is throttled.
func (a *Authenticator) check(ctx context.Context, addr, userName, password string) (verification, error) {
	now := a.cfg.Now()
	if wait := a.names.begin(userName, now); wait > 0 {
		return verification{}, a.throttled(reasonThrottled, wait)
	}
	failed := false
	defer func() { a.names.end(userName, failed, a.cfg.Now()) }()
	if addr != "" {
		if wait := a.addrs.begin(addr, now); wait > 0 {
			return verification{}, a.throttled(reasonThrottled, wait)
		}
		defer func() { a.addrs.end(addr, failed, a.cfg.Now()) }()
	}

	if err := a.acquireCheck(ctx); err != nil {
		return verification{}, err
	}
	if wait := a.lockedOut(addr, userName); wait > 0 {
		a.checks.Release(1)
		return verification{}, a.throttled(reasonThrottled, wait)
	}
	started := time.Now()
	v, err := a.dir.verify(ctx, userName, password)
	a.checks.Release(1)
	a.load.checked(time.Since(started))
	if err != nil {
		return verification{}, err
	}
	if v.outcome != verified {
		failed = true
		a.failures.WithLabelValues(v.outcome.reason()).Inc()
		return verification{}, ErrBadCredentials
	}
	a.names.forget(userName)
	a.cache.Add(a.cacheKey(userName, password), cachedUser{user: v.user, version: v.version, expires: now.Add(a.cfg.TTL)})
	return v, nil
}

// lockedOut tells how long the name or the address is locked out by
// failures counted since the attempt began.
func (a *Authenticator) lockedOut(addr, userName string) time.Duration {
	now := a.cfg.Now()
	wait := a.names.blocked(userName, now)
	if addr != "" {
		wait = max(wait, a.addrs.blocked(addr, now))
	}
	return wait
}

func (a *Authenticator) throttled(reason string, wait time.Duration) error {
	a.failures.WithLabelValues(reason).Inc()
	return &ThrottledError{RetryAfter: wait}
}

// stale tells whether c's user changed after c was verified.
func (a *Authenticator) stale(c cachedUser) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return c.version < a.changed[c.user.ID]
}

// refresh learns, at most every CheckEvery, which users changed.
func (a *Authenticator) refresh(ctx context.Context) error {
	now := a.cfg.Now()
	a.mu.Lock()
	due := now.Sub(a.checkedAt) >= a.cfg.CheckEvery
	if due {
		a.checkedAt = now // one caller checks; the others go on meanwhile
	}
	since := a.version
	a.mu.Unlock()
	if !due {
		return nil
	}
	var (
		changed map[string]int64
		err     error
	)
	if since < 0 {
		since, err = a.dir.Version(ctx) // nothing is cached yet
	} else {
		changed, err = a.dir.changedSince(ctx, since)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.checkedAt = time.Time{}
		return err
	}
	a.version = max(a.version, since)
	for id, v := range changed {
		a.changed[id] = max(a.changed[id], v)
		a.version = max(a.version, v)
	}
	return nil
}

func (a *Authenticator) cacheKey(userName, password string) [sha256.Size]byte {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(userName))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var k [sha256.Size]byte
	m.Sum(k[:0])
	return k
}

// clientKey is what failures are counted under for a client address: the
// address itself, or its /64 for IPv6, where one client commonly holds a
// whole /64 to rotate through.
func clientKey(client string) string {
	a, err := netip.ParseAddr(client)
	if err != nil {
		return client
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
