package config

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/fbsession/fbsession/websession"
)

// WebSessions configures the browser sessions (docs/API.md §14): their
// life, their bounds, and how the cookie's Secure is decided.
type WebSessions struct {
	Idle    time.Duration
	MaxAge  time.Duration
	PerUser int
	Max     int
	// CookieSecure is "auto" (Secure over TLS, or behind a trusted proxy
	// saying https) or "always".
	CookieSecure string
}

const (
	cookieSecureAuto   = "auto"
	cookieSecureAlways = "always"
)

func (c *Config) registerWebSessions(fs *pflag.FlagSet) {
	w := &c.WebSessions
	fs.DurationVar(&w.Idle, "web-session-idle", c.envDuration("web-session-idle", "FBSESSION_WEB_SESSION_IDLE", websession.DefaultIdle), "how long a browser session lives unused (its use is written at most once a minute) [FBSESSION_WEB_SESSION_IDLE]")
	fs.DurationVar(&w.MaxAge, "web-session-max-age", c.envDuration("web-session-max-age", "FBSESSION_WEB_SESSION_MAX_AGE", websession.DefaultMaxAge), "how long a browser session lives at most, used or not [FBSESSION_WEB_SESSION_MAX_AGE]")
	fs.IntVar(&w.PerUser, "web-sessions-per-user", c.envInt("web-sessions-per-user", "FBSESSION_WEB_SESSIONS_PER_USER", websession.DefaultPerUser), "browser sessions one user holds; a login past it ends that user's least recently used [FBSESSION_WEB_SESSIONS_PER_USER]")
	fs.IntVar(&w.Max, "web-sessions-max", c.envInt("web-sessions-max", "FBSESSION_WEB_SESSIONS_MAX", websession.DefaultMax), "browser sessions held in all, by every fbsessiond of the database; a login past it, expired ones swept, is refused 503 [FBSESSION_WEB_SESSIONS_MAX]")
	fs.StringVar(&w.CookieSecure, "cookie-secure", env("FBSESSION_COOKIE_SECURE", cookieSecureAuto), "auto: the session cookie is Secure when the request came over TLS, or from a trusted proxy with X-Forwarded-Proto: https; always: Secure whatever (a TLS proxy not in --trusted-proxies) [FBSESSION_COOKIE_SECURE]")
}

func (w WebSessions) validate() error {
	switch {
	case w.Idle < time.Minute:
		return fmt.Errorf("web-session-idle %s: must be at least 1m (a session's use is written once a minute)", w.Idle)
	case w.MaxAge < w.Idle:
		return fmt.Errorf("web-session-max-age %s: must be at least web-session-idle (%s)", w.MaxAge, w.Idle)
	case w.PerUser < 1:
		return fmt.Errorf("web-sessions-per-user %d: must be at least 1", w.PerUser)
	case w.Max < 1:
		return fmt.Errorf("web-sessions-max %d: must be at least 1", w.Max)
	case w.CookieSecure != cookieSecureAuto && w.CookieSecure != cookieSecureAlways:
		return fmt.Errorf("cookie-secure %q: auto or always", w.CookieSecure)
	}
	return nil
}

// Store is the configuration of the store of the sessions.
func (w WebSessions) Store() websession.Config {
	return websession.Config{Idle: w.Idle, MaxAge: w.MaxAge, PerUser: w.PerUser, Max: w.Max}
}

// AlwaysSecure tells whether the cookie is Secure whatever the request
// came over.
func (w WebSessions) AlwaysSecure() bool { return w.CookieSecure == cookieSecureAlways }
