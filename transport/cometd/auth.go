package cometd

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/fbsession/fbsession/users"
)

// denial is why a request's credentials were not accepted, said the
// Bayeux way (an error and the advice) and the HTTP way (for websocket
// upgrades, which come before any Bayeux message).
type denial struct {
	reason string // the refused metric's label
	err    string
	// retry: whether the client may try again (after interval); wrong
	// credentials and a missing feature will not get better by retrying.
	retry    bool
	interval time.Duration
	status   int
}

// authenticate checks the request's Basic credentials, or its browser
// session's cookie and CSRF token, and the feature the channel needs,
// the same as the REST API's agent routes: the channel carries what GET
// /api/v2/me/facebooksessions shows.
func (s *Server) authenticate(r *http.Request) (users.User, *denial) {
	if token, ok := s.sessionToken(r); ok {
		sess, u, denied := s.checkSession(r.Context(), s.cfg.ClientAddr(r), token)
		if denied != nil {
			return u, denied
		}
		return u, s.sessionCSRF(r, sess)
	}
	name, password, ok := r.BasicAuth()
	if !ok {
		return users.User{}, &denial{reason: "credentials", err: errAuthentication, status: http.StatusUnauthorized}
	}
	return s.check(r.Context(), s.cfg.ClientAddr(r), name, password)
}

func (s *Server) check(ctx context.Context, addr, name, password string) (users.User, *denial) {
	u, err := s.cfg.Auth.Authenticate(ctx, addr, name, password)
	var throttled *users.ThrottledError
	switch {
	case err == nil:
	case errors.Is(err, users.ErrBadCredentials), errors.Is(err, users.ErrNotFound):
		return u, &denial{reason: "credentials", err: errAuthentication, status: http.StatusUnauthorized}
	case errors.As(err, &throttled):
		return u, &denial{reason: "throttled", err: errThrottled, retry: true, interval: throttled.RetryAfter, status: http.StatusTooManyRequests}
	case errors.Is(err, users.ErrThrottled):
		return u, &denial{reason: "throttled", err: errThrottled, retry: true, interval: time.Second, status: http.StatusTooManyRequests}
	case ctx.Err() != nil:
		// The client went away, or the server is closing: not the
		// directory's doing, and no one reads the answer.
		return u, &denial{reason: "unavailable", err: errUnavailable, retry: true, interval: time.Second, status: http.StatusServiceUnavailable}
	default:
		s.cfg.Logger.Warn("CometD authentication failed: user directory unavailable", "err", err)
		return u, &denial{reason: "unavailable", err: errUnavailable, retry: true, interval: time.Second, status: http.StatusServiceUnavailable}
	}
	return u, s.accept(u)
}

// accept refuses an authenticated user who may not hold a client.
func (s *Server) accept(u users.User) *denial {
	if !s.admit(u) {
		return &denial{reason: "permission", err: errNoPermission, status: http.StatusForbidden}
	}
	if !validToken(u.ID) {
		// Not a NATS subject token: the directory validates ids, so this
		// is a bug, not a user's doing.
		s.cfg.Logger.Error("user id is not a NATS subject token", "user", u.ID)
		return &denial{reason: "unavailable", err: errUnavailable, status: http.StatusInternalServerError}
	}
	return nil
}

// denialReply answers m with the denial, with the server's advice
// otherwise. A handshake may only be retried as a handshake; a connect is
// retried as such, its client still held.
func (s *Server) denialReply(d *denial, m *message) []byte {
	a := s.advice()
	a.Reconnect = reconnectNone
	if d.retry {
		a.Reconnect, a.Interval = reconnectHandshake, d.interval.Milliseconds()
		if m.Channel == metaConnect {
			a.Reconnect = reconnectRetry
		}
	}
	r := reply{Channel: m.Channel, ID: m.ID, ClientID: m.ClientID, Error: d.err, Advice: a}
	return r.encode()
}

// writeHTTP answers a websocket upgrade the denial refused.
func (d *denial) writeHTTP(w http.ResponseWriter) {
	if d.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="fbsession", charset="UTF-8"`)
	}
	if d.interval > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d.interval+time.Second-1)/time.Second)))
	}
	http.Error(w, d.err, d.status)
}

// validToken: users' ids are [A-Za-z0-9_-], so never a wildcard or a
// second token of the subject.
func validToken(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
