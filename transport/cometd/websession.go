package cometd

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

// WebSessions finds browser sessions (websession.Store), whose cookie
// the server accepts instead of Basic credentials.
type WebSessions interface {
	Lookup(ctx context.Context, token string) (websession.Session, users.User, error)
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
	return websession.FromRequest(r)
}

// sessionCSRF refuses a long poll with the cookie that lacks the
// session's CSRF token, or whose Origin is another's: a page of another
// site can neither read the token nor send the header without a
// preflight that is never answered.
func (s *Server) sessionCSRF(r *http.Request, sess websession.Session) *denial {
	if !sess.CSRFMatches(r.Header.Get(websession.CSRFHeader)) {
		return &denial{reason: "csrf", err: errCSRF, status: http.StatusForbidden}
	}
	if present, same := websession.Origin(r, s.cfg.Secure(r)); present && !same {
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
	if present, same := websession.Origin(r, s.cfg.Secure(r)); !present || !same {
		return &denial{reason: "origin", err: errOrigin, status: http.StatusForbidden}
	}
	return nil
}

// checkSession finds the session of token and accepts its user as check
// does Basic credentials' (feature or role, id).
func (s *Server) checkSession(ctx context.Context, token string) (websession.Session, users.User, *denial) {
	sess, u, err := s.cfg.WebSessions.Lookup(ctx, token)
	switch {
	case err == nil:
	case errors.Is(err, websession.ErrNotFound):
		return sess, u, &denial{reason: "credentials", err: errAuthentication, status: http.StatusUnauthorized}
	case ctx.Err() != nil:
		return sess, u, &denial{reason: "unavailable", err: errUnavailable, retry: true, interval: time.Second, status: http.StatusServiceUnavailable}
	default:
		s.cfg.Logger.Warn("CometD authentication failed: browser sessions unavailable", "err", err)
		return sess, u, &denial{reason: "unavailable", err: errUnavailable, retry: true, interval: time.Second, status: http.StatusServiceUnavailable}
	}
	return sess, u, s.accept(u)
}

// recheck checks again, over an open websocket, what it was opened with.
func (s *Server) recheck(ctx context.Context, c credentials) *denial {
	if c.token != "" {
		_, _, d := s.checkSession(ctx, c.token)
		return d
	}
	_, d := s.check(ctx, c.addr, c.name, c.password)
	return d
}
