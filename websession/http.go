package websession

import (
	"net/http"
	"net/url"
	"strings"
)

// The names browsers and pages see (GWS's, but for the cookie's).
const (
	// CookieName is the session cookie over plain HTTP.
	CookieName = "FBSESSIONID"
	// SecureCookieName is the session cookie over TLS. Its __Host-
	// prefix makes a browser take it only from a secure origin, for
	// Path=/ and without Domain: a sibling subdomain, or a man in the
	// middle of a plain-HTTP page of the site, cannot plant one of its
	// own (cookie tossing) that the service would take for the user's.
	SecureCookieName = "__Host-" + CookieName
	// CSRFHeader carries the session's CSRF token, on the answers of
	// GET /api/v2/me and on the requests that change anything.
	CSRFHeader = "X-CSRF-TOKEN"
	// CSRFHeaderName names CSRFHeader on the answers of GET /api/v2/me,
	// as GWS does.
	CSRFHeaderName = "X-CSRF-HEADER"
)

// cookieName is the session cookie's name over TLS (secure) or not.
func cookieName(secure bool) string {
	if secure {
		return SecureCookieName
	}
	return CookieName
}

// FromRequest is the value of the request's session cookie, if it has
// one: over TLS (secure) only the __Host- one, so that a cookie set by
// a sibling subdomain or over plain HTTP is never taken.
func FromRequest(r *http.Request, secure bool) (token string, ok bool) {
	c, err := r.Cookie(cookieName(secure))
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

// Presented tells whether r carries a session cookie of either name: a
// page's script, not a user at a browser's login prompt.
func Presented(r *http.Request) bool {
	for _, name := range []string{CookieName, SecureCookieName} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return true
		}
	}
	return false
}

// SetCookie gives the client the session cookie: for the whole site,
// never readable by scripts (HttpOnly), never sent by a request another
// site starts (SameSite=Strict), and only over TLS when secure, then
// named with the __Host- prefix. It has no Max-Age: the browser drops
// it when it closes, and the server bounds its life anyway.
func SetCookie(h http.Header, token string, secure bool) {
	setCookie(h, &http.Cookie{Value: token}, secure)
}

// ClearCookie tells the client to drop the session cookie of the name
// SetCookie gave it.
func ClearCookie(h http.Header, secure bool) {
	setCookie(h, &http.Cookie{MaxAge: -1}, secure)
}

func setCookie(h http.Header, c *http.Cookie, secure bool) {
	c.Name, c.Path, c.HttpOnly, c.SameSite, c.Secure = cookieName(secure), "/", true, http.SameSiteStrictMode, secure
	h.Add("Set-Cookie", c.String())
}

// Origin tells whether r has an Origin header and whether it is one of
// own, the origins the service is reached at (see OriginOf). A page of
// another origin, or "null" (a sandboxed frame, a file), is not.
func Origin(r *http.Request, own []string) (present, same bool) {
	o := r.Header.Get("Origin")
	if o == "" {
		return false, false
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return true, false
	}
	got := OriginOf(u.Scheme, u.Host)
	for _, want := range own {
		if want != "" && got == want {
			return true, true
		}
	}
	return true, false
}

// OriginOf is the origin of a URL of scheme (http or https) and host
// (a host name or address, with a port or not), as Origin compares
// them: lower case, the scheme's default port dropped. "" when either
// is missing.
func OriginOf(scheme, host string) string {
	if scheme == "" || host == "" {
		return ""
	}
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	}
	return scheme + "://" + host
}

// URLOrigin is the origin of a URL (the service's public one), or ""
// when it has none.
func URLOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return OriginOf(u.Scheme, u.Host)
}
