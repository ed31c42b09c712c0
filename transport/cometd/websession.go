package cometd

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

// WebSessions finds browser sessions (websession.Store), whose cookie
// the server accepts instead of Basic credentials.
type WebSessions interface {
	// LookupFrom finds the session of token for a request from client,
	// an address that waits (*websession.ThrottledError) after
	// presenting too many cookies naming no session.
	LookupFrom(ctx context.Context, client, token string) (websession.Session, users.User, error)
}

const (
	// errCSRF: a long poll with the cookie but not its session's CSRF
	// token (or from another origin), in the REST API's words.
	errCSRF = "403::Missing or invalid Csrf token"
	// errOrigin: a websocket upgrade with the cookie from a page of
	// another origin, or with no Origin at all (not a browser's).
	errOrigin = "403::Cross-origin websocket refused"
)

// credentials are what a request was authenticated with, for a websocket
// to check again at each handshake and connect.
type credentials struct {
	addr, name, password string
	// token is the session cookie's, when the cookie authenticated it.
	token string
}

// sessionToken is the request's session cookie, when the server accepts
// one and the request has no Authorization header (Basic then wins).
func (s *Server) sessionToken(r *http.Request) (string, bool) {
	if s.cfg.WebSessions == nil || r.Header.Get("Authorization") != "" {
		return "", false
	}
	return websession.FromRequest(r, s.cfg.Secure(r))
}

// sessionCSRF refuses a long poll with the cookie that lacks the
// session's CSRF token, or whose Origin is another's: a page of another
// site can neither read the token nor send the header without a
// preflight that is never answered.
func (s *Server) sessionCSRF(r *http.Request, sess websession.Session) *denial {
	if !sess.CSRFMatches(r.Header.Get(websession.CSRFHeader)) {
		return &denial{reason: "csrf", err: errCSRF, status: http.StatusForbidden}
	}
	if present, same := websession.Origin(r, s.cfg.Origins(r)); present && !same {
		return &denial{reason: "csrf", err: errCSRF, status: http.StatusForbidden}
	}
	return nil
}

// sameOrigin refuses a websocket upgrade with the cookie unless it comes
// from a page of the request's own origin. A websocket is not bound by
// the same-origin policy, and a browser sends the cookie on one a page of
// another origin of the same site opens; it always sends that page's
// Origin, which a page cannot forge.
func (s *Server) sameOrigin(r *http.Request) *denial {
	if present, same := websession.Origin(r, s.cfg.Origins(r)); !present || !same {
		return &denial{reason: "origin", err: errOrigin, status: http.StatusForbidden}
	}
	return nil
}

// checkSession finds the session of token, presented from addr, and
// accepts its user as check does Basic credentials' (feature or role,
// id).
func (s *Server) checkSession(ctx context.Context, addr, token string) (websession.Session, users.User, *denial) {
	sess, u, err := s.cfg.WebSessions.LookupFrom(ctx, addr, token)
	var throttled *websession.ThrottledError
	switch {
	case err == nil:
	case errors.Is(err, websession.ErrNotFound):
		return sess, u, &denial{reason: "credentials", err: errAuthentication, status: http.StatusUnauthorized}
	case errors.As(err, &throttled):
		return sess, u, &denial{reason: "throttled", err: errThrottled, retry: true, interval: throttled.RetryAfter, status: http.StatusTooManyRequests}
	case ctx.Err() != nil:
		return sess, u, &denial{reason: "unavailable", err: errUnavailable, retry: true, interval: time.Second, status: http.StatusServiceUnavailable}
	default:
		s.cfg.Logger.Warn("CometD authentication failed: browser sessions unavailable", "err", err)
		return sess, u, &denial{reason: "unavailable", err: errUnavailable, retry: true, interval: time.Second, status: http.StatusServiceUnavailable}
	}
	return sess, u, s.accept(u)
}

// recheck checks again, over an open websocket, what it was opened with,
// and returns the user as the directory has them now: their roles and
// features may have changed since.
func (s *Server) recheck(ctx context.Context, c credentials) (users.User, *denial) {
	if c.token != "" {
		_, u, d := s.checkSession(ctx, c.addr, c.token)
		return u, d
	}
	return s.check(ctx, c.addr, c.name, c.password)
}

// acceptOrigins are the origins coder/websocket lets open a websocket
// besides the request's Host: the configured patterns, and the service's
// own origins (behind a proxy that rewrites Host, the public URL's),
// escaped for path.Match.
func (s *Server) acceptOrigins(r *http.Request) []string {
	patterns := slices.Clone(s.cfg.OriginPatterns)
	for _, o := range s.cfg.Origins(r) {
		if o != "" {
			patterns = append(patterns, patternEscaper.Replace(o))
		}
	}
	return patterns
}

// patternEscaper makes an origin a path.Match pattern matching only it
// (an IPv6 host's brackets are a character class otherwise).
var patternEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`)
