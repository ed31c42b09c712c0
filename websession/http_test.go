package websession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/websession"
)

func TestCookie(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	websession.SetCookie(h, "tok", false)
	websession.SetCookie(h, "tok", true)
	websession.ClearCookie(h, true)
	websession.ClearCookie(h, false)
	require.Equal(t, []string{
		"FBSESSIONID=tok; Path=/; HttpOnly; SameSite=Strict",
		"__Host-FBSESSIONID=tok; Path=/; HttpOnly; Secure; SameSite=Strict",
		"__Host-FBSESSIONID=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
		"FBSESSIONID=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
	}, h.Values("Set-Cookie"), "no Max-Age or Expires on a live one: a browser-session cookie; no Domain, ever")

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	_, ok := websession.FromRequest(r, false)
	require.False(t, ok)
	require.False(t, websession.Presented(r))
	r.AddCookie(&http.Cookie{Name: "FBSESSIONID", Value: "tok"})
	tok, ok := websession.FromRequest(r, false)
	require.True(t, ok)
	require.Equal(t, "tok", tok)
	require.True(t, websession.Presented(r))
	_, ok = websession.FromRequest(r, true)
	require.False(t, ok, "over TLS only the __Host- cookie: one tossed in by a sibling or over HTTP is not taken")

	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: "__Host-FBSESSIONID", Value: "sec"})
	tok, ok = websession.FromRequest(r, true)
	require.True(t, ok)
	require.Equal(t, "sec", tok)
	_, ok = websession.FromRequest(r, false)
	require.False(t, ok)
	require.True(t, websession.Presented(r))
}

func TestOrigin(t *testing.T) {
	t.Parallel()
	own := func(scheme, host string, more ...string) []string {
		return append([]string{websession.OriginOf(scheme, host)}, more...)
	}
	for _, c := range []struct {
		origin        string
		own           []string
		present, same bool
	}{
		{"", own("http", "example.com:8080"), false, false},
		{"http://example.com:8080", own("http", "example.com:8080"), true, true},
		{"http://EXAMPLE.com:8080", own("http", "example.com:8080"), true, true},
		{"http://example.com:8080", own("http", "Example.COM:8080"), true, true},
		{"http://example.com:80", own("http", "example.com"), true, true},
		{"https://example.com", own("https", "example.com:443"), true, true},
		{"https://example.com:8080", own("http", "example.com:8080"), true, false},
		{"http://example.com:8080", own("https", "example.com:8080"), true, false},
		{"http://example.com:8081", own("http", "example.com:8080"), true, false},
		{"http://evil.example:8080", own("http", "example.com:8080"), true, false},
		{"http://example.com:8080.evil.example", own("http", "example.com:8080"), true, false},
		{"null", own("http", "example.com:8080"), true, false},
		{"http://user@example.com:8080", own("http", "example.com:8080"), true, false},
		{"http://example.com:8080/path", own("http", "example.com:8080"), true, false},
		{"ftp://example.com:8080", own("ftp", "example.com:8080"), true, false},
		// Behind a proxy that rewrote Host: the public origin.
		{"https://desk.example.com", own("http", "10.0.0.5:8080", websession.URLOrigin("https://desk.example.com/")), true, true},
		{"https://evil.example", own("http", "10.0.0.5:8080", websession.URLOrigin("https://desk.example.com/")), true, false},
		{"http://example.com", []string{"", websession.URLOrigin("not a url")}, true, false},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		present, same := websession.Origin(r, c.own)
		require.Equal(t, [2]bool{c.present, c.same}, [2]bool{present, same}, "%+v", c)
	}
	require.Equal(t, "https://desk.example.com:8443", websession.URLOrigin("HTTPS://Desk.example.com:8443/fbsession"))
	require.Empty(t, websession.OriginOf("http", ""))
}
