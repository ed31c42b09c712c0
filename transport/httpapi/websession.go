package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

// WebSessions keeps the browser sessions (websession.Store): a Basic
// GET /me issues one, whose cookie every /api/v2 route then accepts.
type WebSessions interface {
	Issue(ctx context.Context, u users.User, userVersion int64) (websession.Session, string, error)
	Lookup(ctx context.Context, token string) (websession.Session, users.User, error)
	// LookupFrom is Lookup limited per client address: an address
	// presenting cookies that name no session waits
	// (*websession.ThrottledError), as one failing logins does.
	LookupFrom(ctx context.Context, client, token string) (websession.Session, users.User, error)
	End(ctx context.Context, token string) error
}

const (
	mePath     = "/api/v2/me"
	logoutPath = "/api/v2/logout"
	// webSessionKey holds the cookie's token of a request it
	// authenticated.
	webSessionKey = "fbsession.websession"
)

var (
	// errCSRF is GWS's answer to a cookie's request that changes
	// something without the session's CSRF token.
	errCSRF = &apiError{http.StatusForbidden, codeForbidden, "Missing or invalid Csrf token"}
	// errTooManySessions: no room for a browser session, even once the
	// expired ones went.
	errTooManySessions = &apiError{http.StatusServiceUnavailable, codeInternal, "Too many sessions"}
	// errSignInsThrottled: a user signing in faster than the sessions'
	// issue rate (websession.Config.IssueRate).
	errSignInsThrottled = &apiError{http.StatusTooManyRequests, codeNotAuthenticated, "Too many sign-ins; try again later"}
)

// cookieAuth authenticates a request by its session cookie, and checks
// the CSRF token of one that may change anything.
func (a *API) cookieAuth(c echo.Context, token string, next echo.HandlerFunc) error {
	sess, u, err := a.lookupSession(c, token)
	if err != nil {
		return err
	}
	if err := a.checkCSRF(c, sess); err != nil {
		return err
	}
	c.Set(userKey, u)
	c.Set(webSessionKey, token)
	if isGetMe(c) {
		// A page reloaded gets its token back.
		csrfHeaders(c, sess)
	}
	return next(c)
}

// lookupSession finds the session of token. A session that is no more is
// 401, its cookie cleared; the database failing is 503, never a pass.
func (a *API) lookupSession(c echo.Context, token string) (websession.Session, users.User, error) {
	sess, u, err := a.cfg.WebSessions.LookupFrom(c.Request().Context(), clientAddress(c), token)
	switch {
	case errors.Is(err, websession.ErrNotFound):
		shed(c)
		websession.ClearCookie(c.Response().Header(), a.secure(c.Request()))
		return sess, u, errNotAuthenticated
	case errors.Is(err, websession.ErrThrottled):
		// Too many cookies naming no session from this address: no query
		// until it has waited, as after wrong passwords.
		shed(c)
		return sess, u, err
	case err != nil:
		return sess, u, sessionsUnavailable(err)
	}
	return sess, u, nil
}

// checkCSRF lets through the methods that change nothing; any other
// needs the session's CSRF token in X-CSRF-TOKEN, which a page of another
// site can neither read nor send without a preflight that is never
// answered, and, when the browser says where the page is from, the
// request's own origin.
func (a *API) checkCSRF(c echo.Context, sess websession.Session) error {
	r := c.Request()
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if !sess.CSRFMatches(r.Header.Get(websession.CSRFHeader)) {
		return errCSRF
	}
	if present, same := websession.Origin(r, a.origins(r)); present && !same {
		return errCSRF
	}
	return nil
}

// issueOnMe gives a browser that logged in with Basic on GET /me a
// session cookie, unless it holds a live one of the same user already,
// and tells it the session's CSRF token either way. Only GET /me from a
// browser's script issues one (browserLike): no other Basic request
// reads or writes a session. The sessions' database failing is no
// reason to fail the login, which Basic checked already: the user is
// answered without a cookie, and the failure logged and counted.
func (a *API) issueOnMe(c echo.Context, u users.User, version int64) error {
	if !browserLike(c.Request()) {
		return nil
	}
	ctx := c.Request().Context()
	secure := a.secure(c.Request())
	if token, ok := websession.FromRequest(c.Request(), secure); ok {
		sess, owner, err := a.cfg.WebSessions.Lookup(ctx, token)
		switch {
		case err == nil && owner.ID == u.ID:
			csrfHeaders(c, sess)
			return nil
		case err == nil:
			// Another user's, which this browser's cookie is about to
			// stop naming: ended rather than left to expire.
			if err := a.cfg.WebSessions.End(ctx, token); err != nil {
				return a.unissued(c, u, err)
			}
		case !errors.Is(err, websession.ErrNotFound):
			return a.unissued(c, u, err)
		}
	}
	sess, token, err := a.cfg.WebSessions.Issue(ctx, u, version)
	switch {
	case errors.Is(err, websession.ErrFull):
		a.cfg.Logger.WarnContext(ctx, "browser session refused: the sessions are at their bound (FBSESSION_WEB_SESSIONS_MAX)", "user", u.ID)
		return errTooManySessions
	case errors.Is(err, websession.ErrThrottled):
		shed(c)
		return fmt.Errorf("%w: %w", errSignInsThrottled, err)
	case err != nil:
		return a.unissued(c, u, err)
	}
	websession.SetCookie(c.Response().Header(), token, secure)
	csrfHeaders(c, sess)
	return nil
}

// unissued lets a Basic login through without a session when the
// sessions' database failed, unless the client went away.
func (a *API) unissued(c echo.Context, u users.User, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	a.unissuedCount.Inc()
	a.cfg.Logger.WarnContext(c.Request().Context(), "browser session not issued: the sessions' database failed; answered without a cookie",
		"user", u.ID, "err", err)
	return nil
}

// browserLike tells whether a request comes from a page's script: one
// that says so (X-Requested-With, which the desktop pages send) or a
// browser's fetch (Sec-Fetch-Mode, which browsers add and scripts of a
// page cannot remove). curl, GWS clients and load tools send neither,
// and a Basic GET /me of theirs costs no session.
func browserLike(r *http.Request) bool {
	return r.Header.Get(echo.HeaderXRequestedWith) != "" || r.Header.Get("Sec-Fetch-Mode") != ""
}

func csrfHeaders(c echo.Context, sess websession.Session) {
	h := c.Response().Header()
	h.Set(websession.CSRFHeaderName, websession.CSRFHeader)
	h.Set(websession.CSRFHeader, sess.CSRFToken)
	// The token is the session's: no cache may keep it.
	h.Set(echo.HeaderCacheControl, "no-store")
}

// endWebSession ends the session of the request's cookie, if a cookie
// authenticated it, and clears the cookie. The operation that asked for
// it is done already: a failure here is logged, and the cookie cleared
// anyway.
func (a *API) endWebSession(c echo.Context) {
	token, ok := c.Get(webSessionKey).(string)
	if !ok {
		return
	}
	if err := a.cfg.WebSessions.End(c.Request().Context(), token); err != nil {
		a.cfg.Logger.ErrorContext(c.Request().Context(), "ending a browser session", "user", user(c).ID, "err", err)
	}
	websession.ClearCookie(c.Response().Header(), a.secure(c.Request()))
}

// logout is POST /logout: it ends the session of the request's cookie,
// if any, and clears the cookie; idempotent. Authenticated by the cookie
// (with its CSRF token) or by Basic; a cookie no longer valid needs
// neither, as there is nothing left to protect.
func (a *API) logout(c echo.Context) error {
	ok := func() error { return c.JSON(http.StatusOK, map[string]int{"statusCode": codeOK}) }
	r := c.Request()
	token, hasCookie := websession.FromRequest(r, a.secure(r))
	if a.cfg.WebSessions == nil {
		hasCookie = false
	}
	if r.Header.Get(echo.HeaderAuthorization) != "" || !hasCookie {
		if _, _, err := a.basic(c); err != nil {
			return err
		}
		if !hasCookie {
			return ok()
		}
		if err := a.cfg.WebSessions.End(r.Context(), token); err != nil {
			return sessionsUnavailable(err)
		}
		websession.ClearCookie(c.Response().Header(), a.secure(r))
		return ok()
	}
	sess, _, err := a.cfg.WebSessions.Lookup(r.Context(), token)
	switch {
	case errors.Is(err, websession.ErrNotFound):
		websession.ClearCookie(c.Response().Header(), a.secure(r))
		return ok()
	case err != nil:
		return sessionsUnavailable(err)
	}
	if err := a.checkCSRF(c, sess); err != nil {
		return err
	}
	if err := a.cfg.WebSessions.End(r.Context(), token); err != nil {
		return sessionsUnavailable(err)
	}
	websession.ClearCookie(c.Response().Header(), a.secure(r))
	return ok()
}

func isGetMe(c echo.Context) bool {
	return c.Request().Method == http.MethodGet && c.Path() == mePath
}

// sessionsUnavailable is the database of the sessions failing: 503/4.
func sessionsUnavailable(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: browser sessions: %w", eventstore.ErrUnavailable, err)
}

// secure tells whether the request reached the service over TLS: its own
// connection's, or the proxy's in front of it when that proxy is one of
// TrustedProxies and says so (X-Forwarded-Proto: https, the value it
// gave, the last), or always with CookieAlwaysSecure (a proxy ending TLS
// that is not listed). Anyone else's X-Forwarded-Proto is ignored.
func (a *API) secure(r *http.Request) bool {
	if r.TLS != nil || a.cfg.CookieAlwaysSecure {
		return true
	}
	if len(a.cfg.TrustedProxies) == 0 || !a.fromTrustedProxy(r) {
		return false
	}
	return strings.EqualFold(lastValue(r.Header.Values("X-Forwarded-Proto")), "https")
}

// lastValue is the last value of a header a proxy appends to: the one
// the nearest proxy gave.
func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.TrimSpace(last)
}

// origins are the origins a page of the service's own sends requests
// from: the request's own (its scheme, as secure judges it, and Host);
// the public URL's (Config.PublicOrigin), for a proxy that rewrites Host;
// and, from a trusted proxy only, the host it says the client asked for
// (X-Forwarded-Host, the value it gave), with the scheme it says
// (X-Forwarded-Proto, through secure).
func (a *API) origins(r *http.Request) []string {
	scheme := "http"
	if a.secure(r) {
		scheme = "https"
	}
	own := []string{websession.OriginOf(scheme, r.Host), a.cfg.PublicOrigin}
	if len(a.cfg.TrustedProxies) > 0 && a.fromTrustedProxy(r) {
		own = append(own, websession.OriginOf(scheme, lastValue(r.Header.Values("X-Forwarded-Host"))))
	}
	return own
}

// fromTrustedProxy tells whether the connection's peer is one of the
// trusted proxies.
func (a *API) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range a.cfg.TrustedProxies {
		if p.IsValid() && p.Contains(addr) {
			return true
		}
	}
	return false
}

type (
	secureKey  struct{}
	originsKey struct{}
)

// RequestOrigins tells the CometD server the REST API serves the origins
// a page of the service's own sends a request from, as the API judges
// them for the session cookie (the request's own, the public URL's, a
// trusted proxy's X-Forwarded-Host): a websocket upgrade with the cookie
// must come from one.
func RequestOrigins(r *http.Request) []string {
	if own, ok := r.Context().Value(originsKey{}).([]string); ok {
		return own
	}
	scheme := "http"
	if RequestSecure(r) {
		scheme = "https"
	}
	return []string{websession.OriginOf(scheme, r.Host)}
}

// RequestSecure tells the CometD server the REST API serves whether a
// request reached the service over TLS, as the API judges it for the
// session cookie: a websocket upgrade with the cookie must come from a
// page of the request's own origin, its scheme included.
func RequestSecure(r *http.Request) bool {
	if secure, ok := r.Context().Value(secureKey{}).(bool); ok {
		return secure
	}
	return r.TLS != nil
}
