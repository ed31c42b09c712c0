package websession

import (
	"net/http"
	"net/url"
	"strings"
)

// The names browsers and pages see (GWS's, but for the cookie's).
const (
	// CookieName is the session cookie.
	CookieName = "FBSESSIONID"
	// CSRFHeader carries the session's CSRF token, on the answers of
	// GET /api/v2/me and on the requests that change anything.
	CSRFHeader = "X-CSRF-TOKEN"
	// CSRFHeaderName names CSRFHeader on the answers of GET /api/v2/me,
	// as GWS does.
	CSRFHeaderName = "X-CSRF-HEADER"
)

// FromRequest is the value of the request's session cookie, if it has
// one.
func FromRequest(r *http.Request) (token string, ok bool) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

// SetCookie gives the client the session cookie: for the whole site,
// never readable by scripts (HttpOnly), never sent by a request another
// site starts (SameSite=Strict), and only over TLS when secure. It has no
// Max-Age: the browser drops it when it closes, and the server bounds its
// life anyway.
func SetCookie(h http.Header, token string, secure bool) {
	setCookie(h, &http.Cookie{Value: token}, secure)
}

// ClearCookie tells the client to drop the session cookie.
func ClearCookie(h http.Header, secure bool) {
	setCookie(h, &http.Cookie{MaxAge: -1}, secure)
}

func setCookie(h http.Header, c *http.Cookie, secure bool) {
	c.Name, c.Path, c.HttpOnly, c.SameSite, c.Secure = CookieName, "/", true, http.SameSiteStrictMode, secure
	h.Add("Set-Cookie", c.String())
}

// Origin tells whether r has an Origin header and whether it is r's own
// origin: the scheme (https when secure) and the Host the request was
// sent to, default ports aside. A page of another origin, or "null" (a
// sandboxed frame, a file), is not.
func Origin(r *http.Request, secure bool) (present, same bool) {
	o := r.Header.Get("Origin")
	if o == "" {
		return false, false
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme != scheme || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return true, false
	}
	return true, strings.EqualFold(withoutDefaultPort(u.Host, scheme), withoutDefaultPort(r.Host, scheme))
}

func withoutDefaultPort(host, scheme string) string {
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	}
	return host
}
