package users

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// AuthenticatorConfig tunes an Authenticator. The zero value is valid.
type AuthenticatorConfig struct {
	// TTL bounds how long verified credentials are trusted without a new
	// bcrypt check. Default 5 minutes.
	TTL time.Duration
	// CheckEvery is how often the directory's version is read to drop the
	// cache after any user changed (disabled, new password). Default 1s.
	CheckEvery time.Duration
	// MaxEntries caps the cache; when full it is emptied. Default 100k.
	MaxEntries int
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
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Authenticator checks HTTP Basic credentials. A bcrypt check costs
// milliseconds, too much for every request of a busy desktop fleet, so
// verified credentials are cached under an HMAC of name and password, with
// a key drawn at start that never leaves the process: the cache holds
// neither passwords nor anything that could be checked against one
// offline. The cache is dropped as soon as any user changes.
type Authenticator struct {
	dir *Directory
	cfg AuthenticatorConfig
	key []byte

	flight singleflight.Group

	mu        sync.Mutex
	cache     map[[sha256.Size]byte]cachedUser
	version   int64
	checkedAt time.Time
}

type cachedUser struct {
	user    User
	expires time.Time
}

// NewAuthenticator returns an authenticator on dir.
func NewAuthenticator(dir *Directory, cfg AuthenticatorConfig) *Authenticator {
	cfg.setDefaults()
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails on supported platforms
	return &Authenticator{dir: dir, cfg: cfg, key: key, cache: map[[sha256.Size]byte]cachedUser{}, version: -1}
}

// Authenticate returns the user the credentials belong to, or
// ErrBadCredentials.
func (a *Authenticator) Authenticate(ctx context.Context, userName, password string) (User, error) {
	if err := a.dropIfChanged(ctx); err != nil {
		return User{}, err
	}
	key := a.cacheKey(userName, password)
	now := a.cfg.Now()
	a.mu.Lock()
	c, ok := a.cache[key]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.user, nil
	}
	// Concurrent first requests with the same credentials share one check.
	v, err, _ := a.flight.Do(string(key[:]), func() (any, error) {
		return a.dir.Verify(ctx, userName, password)
	})
	if err != nil {
		return User{}, err
	}
	u := v.(User)
	a.mu.Lock()
	if len(a.cache) >= a.cfg.MaxEntries {
		clear(a.cache)
	}
	a.cache[key] = cachedUser{user: u, expires: now.Add(a.cfg.TTL)}
	a.mu.Unlock()
	return u, nil
}

func (a *Authenticator) dropIfChanged(ctx context.Context) error {
	now := a.cfg.Now()
	a.mu.Lock()
	due := now.Sub(a.checkedAt) >= a.cfg.CheckEvery
	if due {
		a.checkedAt = now // one caller checks; the others go on meanwhile
	}
	a.mu.Unlock()
	if !due {
		return nil
	}
	v, err := a.dir.Version(ctx)
	if err != nil {
		a.mu.Lock()
		a.checkedAt = time.Time{}
		a.mu.Unlock()
		return err
	}
	a.mu.Lock()
	if v != a.version {
		clear(a.cache)
		a.version = v
	}
	a.mu.Unlock()
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
