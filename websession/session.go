package websession

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors.
var (
	// ErrNotFound: no such session, or one expired, logged out, or whose
	// user changed or was disabled since it was issued.
	ErrNotFound = errors.New("websession: no such session")
	// ErrFull: the sessions in all reached Config.Max, expired ones
	// swept; nothing was written.
	ErrFull = errors.New("websession: too many sessions")
)

// Session is a browser session as a request sees it. Its token (the
// cookie's value) is not in it: only the caller that issued it holds it.
type Session struct {
	UserID string
	// CSRFToken is what a request changing anything must send in the
	// X-CSRF-TOKEN header.
	CSRFToken string
	CreatedAt time.Time
	// ExpiresAt is the idle deadline, moved on by use (at most once a
	// minute), never past EndsAt, the absolute one.
	ExpiresAt time.Time
	EndsAt    time.Time
}

// CSRFMatches tells, in constant time, whether token is the session's
// CSRF token.
func (s Session) CSRFMatches(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(s.CSRFToken), []byte(token)) == 1
}

// Config bounds the sessions. The zero value takes the defaults.
type Config struct {
	// Idle is how long a session lives unused. Default 30 minutes.
	Idle time.Duration
	// MaxAge is how long a session lives at most, used or not. Default
	// 12 hours.
	MaxAge time.Duration
	// PerUser is how many sessions one user holds; issuing one more ends
	// that user's oldest. Default 8.
	PerUser int
	// Max is how many sessions are held in all; past it, once expired
	// ones are swept, issuing fails with ErrFull. Default 100,000.
	Max int
	// Now is the clock; time.Now by default.
	Now func() time.Time
}

// Defaults.
const (
	DefaultIdle    = 30 * time.Minute
	DefaultMaxAge  = 12 * time.Hour
	DefaultPerUser = 8
	DefaultMax     = 100_000
)

// refreshEvery is how often a session's use is written: a session used
// by every request of a busy desktop would otherwise cost a write each.
// The idle deadline is thus kept to within this much.
const refreshEvery = time.Minute

func (c *Config) setDefaults() {
	if c.Idle == 0 {
		c.Idle = DefaultIdle
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.PerUser == 0 {
		c.PerUser = DefaultPerUser
	}
	if c.Max == 0 {
		c.Max = DefaultMax
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

func (c *Config) validate() error {
	switch {
	case c.Idle < refreshEvery:
		return fmt.Errorf("websession: idle timeout %s: must be at least %s (a session's use is written once a minute)", c.Idle, refreshEvery)
	case c.MaxAge < c.Idle:
		return fmt.Errorf("websession: max age %s: must be at least the idle timeout %s", c.MaxAge, c.Idle)
	case c.PerUser < 1:
		return fmt.Errorf("websession: sessions per user %d: must be at least 1", c.PerUser)
	case c.Max < 1:
		return fmt.Errorf("websession: sessions %d: must be at least 1", c.Max)
	}
	return nil
}
