package users

import (
	"time"
)

// FailureLimit limits failed attempts per client address, as the
// Authenticator does failed logins, for attempts of another kind: a
// session cookie that names no session (websession), which costs a query
// rather than a bcrypt check. Its failures are its own: an office of
// browsers presenting expired cookies must not lock the same address
// out of logging in with a password. Safe for concurrent use.
type FailureLimit struct {
	b   *backoff
	now func() time.Time
}

// NewFailureLimit returns a limit; cfg's zero fields take the
// Authenticator's per-address defaults (20 free failures, then waits
// from 1s doubling up to 15 minutes). now is the clock; time.Now when
// nil.
func NewFailureLimit(cfg BackoffConfig, now func() time.Time) *FailureLimit {
	cfg.setDefaults(20, 15*time.Minute)
	if now == nil {
		now = time.Now
	}
	return &FailureLimit{b: newBackoff(cfg), now: now}
}

// Wait tells how long client must wait before its next attempt: 0 unless
// it is locked out. An empty client (unknown) is never limited.
func (l *FailureLimit) Wait(client string) time.Duration {
	if client == "" {
		return 0
	}
	return l.b.wait(clientKey(client), l.now())
}

// Fail counts a failed attempt of client.
func (l *FailureLimit) Fail(client string) {
	if client == "" {
		return
	}
	l.b.failed(clientKey(client), l.now())
}
