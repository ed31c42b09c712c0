package websession

import (
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/fbsession/fbsession/users"
)

// Sentinel errors.
var (
	// ErrNotFound: no such session, or one expired, logged out, or whose
	// user changed or was disabled since it was issued.
	ErrNotFound = errors.New("websession: no such session")
	// ErrFull: the sessions in all reached Config.Max, expired ones
	// swept; nothing was written.
	ErrFull = errors.New("websession: too many sessions")
	// ErrThrottled: a user issued sessions faster than Config.IssueRate,
	// or an address presented too many cookies naming no session. A
	// *ThrottledError says for how long.
	ErrThrottled = errors.New("websession: too many attempts")
)

// ThrottledError says how long to wait. It matches ErrThrottled.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v: retry after %s", ErrThrottled, e.RetryAfter.Round(time.Second))
}

func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

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
	// that user's least recently seen. Default 8.
	PerUser int
	// Max is how many sessions are held in all; past it, once expired
	// ones are swept, issuing fails with ErrFull. Default 100,000.
	Max int
	// IssueRate and IssueBurst bound how often one user is issued a
	// session, in this process: a script logging in in a loop cannot make
	// every login wait on the issuer's lock. Defaults 1 a second, 10 at
	// once. IssueUsers bounds the users whose rate is remembered, least
	// recently issued first out. Default 10,000.
	IssueRate  rate.Limit
	IssueBurst int
	IssueUsers int
	// UnknownPerAddress limits, per client address, the cookies that name
	// no session (each costs a query), as wrong passwords are. Defaults:
	// 100 free (a roomful of browsers presenting expired cookies through
	// one NAT), then waits from 1 second doubling up to 1 minute,
	// forgotten after 15 minutes without one.
	UnknownPerAddress users.BackoffConfig
	// Reader, when set, is where lookups read: SQLite's readers, which
	// never wait for the writer. Writes go to the store's db.
	Reader *sql.DB
	// Registerer, when set, receives the sessions' metrics.
	Registerer prometheus.Registerer
	// Now is the clock; time.Now by default.
	Now func() time.Time
}

// Defaults.
const (
	DefaultIdle    = 30 * time.Minute
	DefaultMaxAge  = 12 * time.Hour
	DefaultPerUser = 8
	DefaultMax     = 100_000

	DefaultIssueRate  rate.Limit = 1
	DefaultIssueBurst            = 10
	DefaultIssueUsers            = 10_000
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
	if c.IssueRate == 0 {
		c.IssueRate = DefaultIssueRate
	}
	if c.IssueBurst == 0 {
		c.IssueBurst = DefaultIssueBurst
	}
	if c.IssueUsers == 0 {
		c.IssueUsers = DefaultIssueUsers
	}
	if c.UnknownPerAddress.Free == 0 {
		c.UnknownPerAddress.Free = 100
	}
	if c.UnknownPerAddress.Max == 0 {
		c.UnknownPerAddress.Max = time.Minute
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
	case c.IssueRate <= 0 || c.IssueBurst < 1 || c.IssueUsers < 1:
		return fmt.Errorf("websession: issue rate %v, burst %d, users %d: must be positive", c.IssueRate, c.IssueBurst, c.IssueUsers)
	}
	return nil
}
