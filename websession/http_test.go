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
	require.Equal(t, []string{
		"FBSESSIONID=tok; Path=/; HttpOnly; SameSite=Strict",
		"FBSESSIONID=tok; Path=/; HttpOnly; Secure; SameSite=Strict",
		"FBSESSIONID=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
	}, h.Values("Set-Cookie"), "no Max-Age or Expires on a live one: a browser-session cookie")

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	_, ok := websession.FromRequest(r)
	require.False(t, ok)
	r.AddCookie(&http.Cookie{Name: "FBSESSIONID", Value: "tok"})
	tok, ok := websession.FromRequest(r)
	require.True(t, ok)
	require.Equal(t, "tok", tok)
}

func TestOrigin(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		host, origin  string
		secure        bool
		present, same bool
	}{
		{"example.com:8080", "", false, false, false},
		{"example.com:8080", "http://example.com:8080", false, true, true},
		{"example.com:8080", "http://EXAMPLE.com:8080", false, true, true},
		{"example.com", "http://example.com:80", false, true, true},
		{"example.com:443", "https://example.com", true, true, true},
		{"example.com:8080", "https://example.com:8080", false, true, false},
		{"example.com:8080", "http://example.com:8080", true, true, false},
		{"example.com:8080", "http://example.com:8081", false, true, false},
		{"example.com:8080", "http://evil.example:8080", false, true, false},
		{"example.com:8080", "http://example.com:8080.evil.example", false, true, false},
		{"example.com:8080", "null", false, true, false},
		{"example.com:8080", "http://user@example.com:8080", false, true, false},
		{"example.com:8080", "http://example.com:8080/path", false, true, false},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Host = c.host
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		present, same := websession.Origin(r, c.secure)
		require.Equal(t, [2]bool{c.present, c.same}, [2]bool{present, same}, "%+v", c)
	}
}
