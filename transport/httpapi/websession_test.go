package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

// webEnv is an API with browser sessions on a real store.
type webEnv struct {
	*env
	backend  *storetest.Backend
	sessions *websession.Store
	reg      *prometheus.Registry
}

type webOptions struct {
	sessions websession.Config
	// tls serves over TLS (httptest's certificate).
	tls bool
	// trusted are the trusted proxies; alwaysSecure is
	// CookieAlwaysSecure.
	trusted      []netip.Prefix
	alwaysSecure bool
	// failing, when set, replaces the store (one whose database fails).
	failing httpapi.WebSessions
	// publicOrigin is PublicOrigin.
	publicOrigin string
}

func forEachWebStore(t *testing.T, opts webOptions, f func(t *testing.T, e *webEnv)) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		for _, u := range testUsers {
			require.NoError(t, b.Users.Add(ctx, u, password))
		}
		f(t, newWebEnv(t, b, opts))
	})
}

// newWebEnv serves an API with browser sessions on b, whose users are
// added already: another one on the same b is a second process.
func newWebEnv(t *testing.T, b *storetest.Backend, opts webOptions) *webEnv {
	t.Helper()
	reg := prometheus.NewRegistry()
	opts.sessions.Registerer, opts.sessions.Reader = reg, b.ReadDB
	store, err := websession.New(b.DB, opts.sessions)
	require.NoError(t, err)
	var sessions httpapi.WebSessions = store
	if opts.failing != nil {
		sessions = opts.failing
	}
	s, dir := b.Store, b.Users
	e := &env{t: t, store: s, dir: dir, router: openAPIRouter(t)}
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Config.Handler = httpapi.New(httpapi.Config{
		Commands:    commands.NewHandler(s, commands.WithAgents(dir)),
		Agents:      commands.NewAgentHandler(s, commands.WithAgents(dir)),
		Sessions:    sessionview.NewReader(s),
		Transcripts: sessionview.NewTranscripts(s),
		Auth: users.NewAuthenticator(dir, users.AuthenticatorConfig{
			PerName: users.BackoffConfig{Free: 1000}, PerAddress: users.BackoffConfig{Free: 1000},
		}),
		WebSessions:        sessions,
		PublicOrigin:       opts.publicOrigin,
		Registry:           reg,
		TrustedProxies:     opts.trusted,
		CookieAlwaysSecure: opts.alwaysSecure,
		RequestTimeout:     15 * time.Second,
	})
	if opts.tls {
		e.srv.StartTLS()
	} else {
		e.srv.Start()
	}
	e.baseURL = e.srv.URL
	t.Cleanup(e.srv.Close)
	return &webEnv{env: e, backend: b, sessions: store, reg: reg}
}

// browser is what a page's script holds: the cookie (which the browser
// keeps; name is its name, FBSESSIONID when empty) and the CSRF token
// (which the page read from GET /me).
type browser struct {
	cookie, csrf, name string
}

// xhr is what the desktop pages' scripts say of their requests.
var xhr = []string{"X-Requested-With", "XMLHttpRequest"}

// login is the page's sign-in: a Basic GET /me from a script.
func (e *webEnv) login(as string) browser {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v2/me", as, nil, xhr...)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
	cookie := sessionCookie(e.t, r)
	require.NotNil(e.t, cookie, "a Basic GET /me issues a session")
	require.Equal(e.t, "X-CSRF-TOKEN", r.header.Get("X-CSRF-HEADER"))
	csrf := r.header.Get("X-CSRF-TOKEN")
	require.Len(e.t, csrf, 43)
	return browser{cookie: cookie.Value, csrf: csrf}
}

// as sends a request as the page does: the cookie, the CSRF token, and
// the page's own Origin; extra headers replace them ("" drops one).
func (e *webEnv) as(b browser, method, path string, body any, headers ...string) response {
	e.t.Helper()
	name := b.name
	if name == "" {
		name = websession.CookieName
	}
	hs := []string{"Cookie", name + "=" + b.cookie, "X-CSRF-TOKEN", b.csrf, "Origin", e.srv.URL}
	return e.do(method, path, "", body, append(hs, headers...)...)
}

// sessionCookie is the session cookie the response sets (FBSESSIONID or
// __Host-FBSESSIONID), or nil.
func sessionCookie(t *testing.T, r response) *http.Cookie {
	t.Helper()
	var found *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == websession.CookieName || c.Name == websession.SecureCookieName {
			require.Nil(t, found, "one FBSESSIONID at most")
			found = c
		}
	}
	return found
}

// cleared tells whether the response clears the session cookie.
func cleared(t *testing.T, r response) bool {
	t.Helper()
	c := sessionCookie(t, r)
	return c != nil && c.Value == "" && c.MaxAge < 0
}

// issued is how many sessions were ever issued (the issuer's count).
func (e *webEnv) issued() int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.backend.DB.QueryRow(`SELECT issued FROM web_session_issuer WHERE id = 1`).Scan(&n))
	return n
}

func (e *webEnv) rows() int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.backend.DB.QueryRow(`SELECT count(*) FROM web_sessions`).Scan(&n))
	return n
}

func TestWebSessionLife(t *testing.T) {
	t.Parallel()
	forEachWebStore(t, webOptions{}, func(t *testing.T, e *webEnv) {
		// Basic requests other than GET /me issue nothing, and write
		// nothing.
		r := e.do(http.MethodGet, "/api/v2/me/channels", "a1", nil)
		require.Equal(t, http.StatusOK, r.status)
		require.Nil(t, sessionCookie(t, r))
		require.Zero(t, e.rows())

		// Nor does GET /me from anything but a page's script (curl, a
		// GWS client, a load tool).
		for range 3 {
			r = e.do(http.MethodGet, "/api/v2/me", "a1", nil)
			require.Equal(t, http.StatusOK, r.status)
			require.Nil(t, sessionCookie(t, r))
			require.Empty(t, r.header.Get("X-CSRF-TOKEN"))
		}
		require.Zero(t, e.rows())
		require.Zero(t, e.issued(), "no write at all")

		r = e.do(http.MethodGet, "/api/v2/me", "a1", nil, "Sec-Fetch-Mode", "cors")
		require.NotNil(t, sessionCookie(t, r), "a browser's fetch says so")
		require.Equal(t, 1, e.rows())
		r = e.do(http.MethodGet, "/api/v2/me", "a1", nil, xhr...)
		require.Equal(t, http.StatusOK, r.status)
		c := sessionCookie(t, r)
		require.NotNil(t, c)
		require.Len(t, c.Value, 43)
		require.True(t, c.HttpOnly)
		require.Equal(t, http.SameSiteStrictMode, c.SameSite)
		require.Equal(t, "/", c.Path)
		require.False(t, c.Secure, "over plain HTTP, from no proxy")
		require.Zero(t, c.MaxAge, "a browser-session cookie")
		require.True(t, c.Expires.IsZero())
		require.Equal(t, "no-store", r.header.Get("Cache-Control"))
		page := browser{cookie: c.Value, csrf: r.header.Get("X-CSRF-TOKEN")}
		require.Equal(t, 2, e.rows())

		// The cookie alone: no Authorization.
		r = e.as(page, http.MethodGet, "/api/v2/me", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Equal(t, "a1", r.body["user"].(map[string]any)["id"])
		require.Nil(t, sessionCookie(t, r), "no new session")
		require.Equal(t, page.csrf, r.header.Get("X-CSRF-TOKEN"), "a reloaded page gets its token back")
		require.Equal(t, "X-CSRF-TOKEN", r.header.Get("X-CSRF-HEADER"))
		r = e.as(page, http.MethodPost, "/api/v2/me", start)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		r = e.as(page, http.MethodPost, "/api/v2/me/channels/facebooksession", ready)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		state, _ := e.channelState("a1")
		require.Equal(t, "Ready", state)

		// Logging in again with the cookie keeps it.
		r = e.do(http.MethodGet, "/api/v2/me", "a1", nil, "Cookie", "FBSESSIONID="+page.cookie, "X-Requested-With", "XMLHttpRequest")
		require.Equal(t, http.StatusOK, r.status)
		require.Nil(t, sessionCookie(t, r))
		require.Equal(t, page.csrf, r.header.Get("X-CSRF-TOKEN"))
		require.Equal(t, 2, e.rows())

		// Logout, with no body and no Content-Type, as a page's fetch
		// sends it.
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v2/logout", nil)
		require.NoError(t, err)
		req.Header.Set("Cookie", "FBSESSIONID="+page.cookie)
		req.Header.Set("X-CSRF-TOKEN", page.csrf)
		res, err := e.srv.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "FBSESSIONID=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict", res.Header.Get("Set-Cookie"))
		require.Equal(t, 1, e.rows(), "the other page's stays")

		r = e.as(page, http.MethodGet, "/api/v2/me", nil)
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.Equal(t, 20, r.code())
		require.Empty(t, r.header.Get("WWW-Authenticate"), "no browser prompt over the page")
		require.True(t, cleared(t, r))
		r = e.as(page, http.MethodPost, "/api/v2/logout", nil)
		require.Equal(t, http.StatusOK, r.status, "idempotent: %s", r.raw)
		require.Equal(t, 0, r.code())
		require.True(t, cleared(t, r))

		// Basic logout without a cookie: nothing to end.
		r = e.do(http.MethodPost, "/api/v2/logout", "a1", nil)
		require.Equal(t, http.StatusOK, r.status)
		require.Nil(t, sessionCookie(t, r))
		// Basic logout with a cookie ends its session.
		page = e.login("a1")
		r = e.do(http.MethodPost, "/api/v2/logout", "a1", nil, "Cookie", "FBSESSIONID="+page.cookie)
		require.Equal(t, http.StatusOK, r.status)
		require.True(t, cleared(t, r))
		require.Equal(t, 1, e.rows())
		// Neither: 401.
		r = e.do(http.MethodPost, "/api/v2/logout", "", nil)
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.NotEmpty(t, r.header.Get("WWW-Authenticate"))
		r = e.do(http.MethodPost, "/api/v2/logout", "", nil, "X-Requested-With", "XMLHttpRequest")
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.Empty(t, r.header.Get("WWW-Authenticate"), "a script's sign-in gets no browser prompt")
		res, err = e.srv.Client().Get(e.srv.URL + "/api/v2/logout")
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	})
}

// Logging in as another user with a cookie of the first replaces it,
// and ends the first's session.
func TestWebSessionOtherUser(t *testing.T) {
	t.Parallel()
	forEachWebStore(t, webOptions{}, func(t *testing.T, e *webEnv) {
		first := e.login("a1")
		r := e.do(http.MethodGet, "/api/v2/me", "a2", nil, "Cookie", "FBSESSIONID="+first.cookie, "X-Requested-With", "XMLHttpRequest")
		require.Equal(t, http.StatusOK, r.status)
		second := sessionCookie(t, r)
		require.NotNil(t, second)
		require.NotEqual(t, first.cookie, second.Value)
		require.Equal(t, http.StatusUnauthorized, e.as(first, http.MethodGet, "/api/v2/me", nil).status)
		r = e.as(browser{cookie: second.Value}, http.MethodGet, "/api/v2/me", nil)
		require.Equal(t, "a2", r.body["user"].(map[string]any)["id"])
	})
}

// CSRF: with the cookie, a request that changes anything needs the
// session's token and, with an Origin, the page's own; each refusal
// changes nothing.
func TestWebSessionCSRF(t *testing.T) {
	t.Parallel()
	forEachWebStore(t, webOptions{}, func(t *testing.T, e *webEnv) {
		page := e.login("a1")
		refused := func(r response) {
			t.Helper()
			require.Equal(t, http.StatusForbidden, r.status, "%s", r.raw)
			require.Equal(t, 3, r.code())
			require.Equal(t, "Missing or invalid Csrf token", r.body["statusMessage"])
		}
		refused(e.as(page, http.MethodPost, "/api/v2/me", start, "X-CSRF-TOKEN", ""))
		refused(e.as(page, http.MethodPost, "/api/v2/me", start, "X-CSRF-TOKEN", strings.Repeat("A", 43)))
		refused(e.as(page, http.MethodPost, "/api/v2/me", start, "X-CSRF-TOKEN", page.cookie))
		refused(e.as(page, http.MethodPost, "/api/v2/me", start, "Origin", "http://evil.example"))
		refused(e.as(page, http.MethodPost, "/api/v2/me", start, "Origin", "null"))
		refused(e.as(page, http.MethodPost, "/api/v2/me", start, "Origin", strings.Replace(e.srv.URL, "http:", "https:", 1)))
		refused(e.as(page, http.MethodPost, "/api/v2/logout", nil, "X-CSRF-TOKEN", ""))
		require.Empty(t, e.agentTypes("a1"), "nothing appended")
		require.Equal(t, 1, e.rows(), "not logged out")

		// A cross-site form: the browser sends the cookie only if
		// SameSite failed it (an old browser), with the other site's
		// Origin, a form's Content-Type, and no header a form cannot set.
		for _, ct := range []string{"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"} {
			r := e.as(page, http.MethodPost, "/api/v2/me", "operationName=StartContactCenterSession&channels=facebooksession",
				"Content-Type", ct, "Origin", "http://evil.example", "X-CSRF-TOKEN", "")
			require.Contains(t, []int{http.StatusForbidden, http.StatusUnsupportedMediaType}, r.status, "%s: %s", ct, r.raw)
		}
		// Even one that got a JSON body through: no token.
		refused(e.as(page, http.MethodPost, "/api/v2/me", start, "Origin", "http://evil.example", "X-CSRF-TOKEN", ""))
		require.Empty(t, e.agentTypes("a1"), "nothing appended")
		state, _ := e.channelState("a1")
		require.Empty(t, state)

		// The page itself: with the token, with or without its Origin.
		r := e.as(page, http.MethodPost, "/api/v2/me", start)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		r = e.as(page, http.MethodPost, "/api/v2/me/channels/facebooksession", ready, "Origin", "")
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		// Reads need no token.
		r = e.as(page, http.MethodGet, "/api/v2/me/channels", nil, "X-CSRF-TOKEN", "", "Origin", "http://evil.example")
		require.Equal(t, http.StatusOK, r.status)

		// Basic wins over the cookie, and needs no token.
		r = e.do(http.MethodPost, "/api/v2/me/channels/facebooksession", "a1", notReady, "Cookie", "FBSESSIONID="+page.cookie)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		r = e.do(http.MethodPost, "/api/v2/me", "a2", start, "Cookie", "FBSESSIONID="+page.cookie)
		require.Equal(t, http.StatusOK, r.status)
		state, _ = e.channelState("a2")
		require.Equal(t, "NotReady", state, "as the Basic user, not the cookie's")
	})
}

// Secure is set over TLS, and behind a trusted proxy that says the
// client came over https; never on an untrusted peer's word.
func TestWebSessionSecureCookie(t *testing.T) {
	t.Parallel()
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	elsewhere := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		name   string
		opts   webOptions
		proto  string
		secure bool
	}{
		{"plain", webOptions{}, "", false},
		{"TLS", webOptions{tls: true}, "", true},
		{"trusted proxy, https", webOptions{trusted: loopback}, "https", true},
		{"trusted proxy, appended", webOptions{trusted: loopback}, "http, https", true},
		{"trusted proxy, http", webOptions{trusted: loopback}, "http", false},
		{"trusted proxy, no header", webOptions{trusted: loopback}, "", false},
		{"untrusted peer", webOptions{trusted: elsewhere}, "https", false},
		{"no trusted proxies", webOptions{}, "https", false},
		{"always", webOptions{alwaysSecure: true}, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := storetest.SQLite(t, storetest.Options{})
			require.NoError(t, b.Users.Add(context.Background(), testUsers[0], password))
			e := newWebEnv(t, b, c.opts)
			var headers []string
			if c.proto != "" {
				headers = []string{"X-Forwarded-Proto", c.proto}
			}
			r := e.do(http.MethodGet, "/api/v2/me", "a1", nil, append(headers, xhr...)...)
			require.Equal(t, http.StatusOK, r.status)
			cookie := sessionCookie(t, r)
			require.NotNil(t, cookie)
			require.Equal(t, c.secure, cookie.Secure)
			name := map[bool]string{true: "__Host-FBSESSIONID", false: "FBSESSIONID"}[c.secure]
			require.Equal(t, name, cookie.Name, "__Host- over TLS: no sibling or plain-HTTP page can toss one in")
			page := browser{cookie: cookie.Value, csrf: r.header.Get("X-CSRF-TOKEN"), name: name}

			// The page's origin has the scheme the browser used.
			scheme := "http"
			if c.secure {
				scheme = "https"
			}
			origin := scheme + "://" + e.srv.Listener.Addr().String()
			r = e.as(page, http.MethodPost, "/api/v2/me", start, append(headers, "Origin", origin)...)
			require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
			other := strings.Replace(origin, scheme+":", map[bool]string{true: "http:", false: "https:"}[c.secure], 1)
			r = e.as(page, http.MethodPost, "/api/v2/me", start, append(headers, "Origin", other)...)
			require.Equal(t, http.StatusForbidden, r.status, "%s", r.raw)
		})
	}
}

// Changing the user ends their sessions at once: a new password,
// disabling.
func TestWebSessionUserChanges(t *testing.T) {
	t.Parallel()
	forEachWebStore(t, webOptions{}, func(t *testing.T, e *webEnv) {
		ctx := context.Background()
		page := e.login("a1")
		require.NoError(t, e.dir.SetPassword(ctx, "a1", "battery staple"))
		r := e.as(page, http.MethodGet, "/api/v2/me", nil)
		require.Equal(t, http.StatusUnauthorized, r.status)

		r = e.do(http.MethodGet, "/api/v2/me", "", nil, "Authorization", basic("agent1", "battery staple"), "X-Requested-With", "XMLHttpRequest")
		require.Equal(t, http.StatusOK, r.status)
		page = browser{cookie: sessionCookie(t, r).Value, csrf: r.header.Get("X-CSRF-TOKEN")}
		require.Equal(t, http.StatusOK, e.as(page, http.MethodGet, "/api/v2/me", nil).status)
		require.NoError(t, e.dir.SetDisabled(ctx, "a1", true))
		r = e.as(page, http.MethodPost, "/api/v2/me", start)
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.Empty(t, e.agentTypes("a1"))
	})
}

func basic(name, pw string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(name, pw)
	return r.Header.Get("Authorization")
}

// Another process on the same database, or this one restarted, accepts
// the cookie, and a logout there holds here.
func TestWebSessionSecondProcess(t *testing.T) {
	t.Parallel()
	forEachWebStore(t, webOptions{}, func(t *testing.T, e *webEnv) {
		page := e.login("a1")
		other := newWebEnv(t, e.backend, webOptions{})
		r := other.as(page, http.MethodPost, "/api/v2/me", start, "Origin", other.srv.URL)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		r = other.as(page, http.MethodPost, "/api/v2/logout", nil, "Origin", other.srv.URL)
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, http.StatusUnauthorized, e.as(page, http.MethodGet, "/api/v2/me", nil).status)
	})
}

// Past the bound per user, a login ends the user's oldest session; past
// the bound in all, it is refused 503/4, and nothing is written.
func TestWebSessionBounds(t *testing.T) {
	t.Parallel()
	forEachWebStore(t, webOptions{sessions: websession.Config{PerUser: 2, Max: 3}}, func(t *testing.T, e *webEnv) {
		first := e.login("a1")
		second := e.login("a1")
		third := e.login("a1")
		require.Equal(t, http.StatusUnauthorized, e.as(first, http.MethodGet, "/api/v2/me", nil).status)
		require.Equal(t, http.StatusOK, e.as(second, http.MethodGet, "/api/v2/me", nil).status)
		require.Equal(t, http.StatusOK, e.as(third, http.MethodGet, "/api/v2/me", nil).status)

		e.login("a2")
		r := e.do(http.MethodGet, "/api/v2/me", "sup", nil, xhr...)
		require.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.raw)
		require.Equal(t, 4, r.code())
		require.Equal(t, "Too many sessions", r.body["statusMessage"])
		require.Nil(t, sessionCookie(t, r))
		require.Equal(t, 3, e.rows())
	})
}

// EndContactCenterSession made with the cookie ends the browser session
// too; made with Basic, it leaves the cookie alone.
func TestWebSessionEndContactCenterSession(t *testing.T) {
	t.Parallel()
	forEachWebStore(t, webOptions{}, func(t *testing.T, e *webEnv) {
		page := e.login("a1")
		require.Equal(t, http.StatusOK, e.as(page, http.MethodPost, "/api/v2/me", start).status)
		r := e.do(http.MethodPost, "/api/v2/me", "a1", end, "Cookie", "FBSESSIONID="+page.cookie)
		require.Equal(t, http.StatusOK, r.status)
		require.Nil(t, sessionCookie(t, r))
		require.Equal(t, http.StatusOK, e.as(page, http.MethodGet, "/api/v2/me", nil).status)

		require.Equal(t, http.StatusOK, e.as(page, http.MethodPost, "/api/v2/me", start).status)
		r = e.as(page, http.MethodPost, "/api/v2/me", end)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.True(t, cleared(t, r))
		require.Equal(t, http.StatusUnauthorized, e.as(page, http.MethodGet, "/api/v2/me", nil).status)
		require.Zero(t, e.rows())
	})
}

// The sessions' database failing is 503/4 for the cookie, never a pass;
// a Basic login is answered all the same, without a cookie, and counted.
func TestWebSessionStoreDown(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "down.db"))
	require.NoError(t, err)
	require.NoError(t, db.Close())
	down, err := websession.New(db, websession.Config{})
	require.NoError(t, err)
	b := storetest.SQLite(t, storetest.Options{})
	require.NoError(t, b.Users.Add(context.Background(), testUsers[0], password))
	e := newWebEnv(t, b, webOptions{failing: down})
	page := browser{cookie: strings.Repeat("A", 43), csrf: "x"}
	for _, r := range []response{
		e.as(page, http.MethodGet, "/api/v2/me/channels", nil),
		e.as(page, http.MethodPost, "/api/v2/me", start),
		e.as(page, http.MethodPost, "/api/v2/logout", nil),
	} {
		require.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.raw)
		require.Equal(t, 4, r.code())
	}
	require.Empty(t, e.agentTypes("a1"))

	for _, headers := range [][]string{xhr, append([]string{"Cookie", "FBSESSIONID=" + page.cookie}, xhr...)} {
		r := e.do(http.MethodGet, "/api/v2/me", "a1", nil, headers...)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Equal(t, "a1", r.body["user"].(map[string]any)["id"])
		require.Nil(t, sessionCookie(t, r))
		require.Empty(t, r.header.Get("X-CSRF-TOKEN"))
	}
	require.Equal(t, 2.0, counter(t, e.reg, "fbsession_web_session_unissued_total"))

	// Basic elsewhere never touches the sessions, cookie or not: the
	// Complete hot path reads and writes none.
	require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v2/me/channels", "a1", nil).status)
	r := e.do(http.MethodPost, "/api/v2/me", "a1", start, "Cookie", "FBSESSIONID="+page.cookie, "X-Requested-With", "XMLHttpRequest")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
}

// A user signing in faster than the issue rate is refused 429/20 with
// Retry-After, and nothing is written; another user is not.
func TestWebSessionIssueRate(t *testing.T) {
	t.Parallel()
	forEachWebStore(t, webOptions{sessions: websession.Config{IssueBurst: 3, IssueRate: 0.001}}, func(t *testing.T, e *webEnv) {
		for range 3 {
			e.login("a1")
		}
		r := e.do(http.MethodGet, "/api/v2/me", "a1", nil, xhr...)
		require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r.raw)
		require.Equal(t, 20, r.code())
		require.Equal(t, "Too many sign-ins; try again later", r.body["statusMessage"])
		require.NotEmpty(t, r.header.Get("Retry-After"))
		require.Nil(t, sessionCookie(t, r))
		require.Equal(t, 3, e.rows())
		e.login("a2")
		require.Equal(t, 1.0, counter(t, e.reg, "fbsession_web_session_throttled_total", "what", "issue"))
	})
}

// Cookies that name no session count against the address: past the free
// ones it is refused 429/20 with Retry-After, without a query, as after
// wrong passwords; the page's own cookie too, until it has waited.
func TestWebSessionUnknownCookies(t *testing.T) {
	t.Parallel()
	opts := webOptions{sessions: websession.Config{UnknownPerAddress: users.BackoffConfig{Free: 3, Base: time.Minute}}}
	forEachWebStore(t, opts, func(t *testing.T, e *webEnv) {
		page := e.login("a1")
		for i := range 3 {
			r := e.as(browser{cookie: fmt.Sprintf("%043d", i)}, http.MethodGet, "/api/v2/me", nil)
			require.Equal(t, http.StatusUnauthorized, r.status, "%s", r.raw)
		}
		r := e.as(page, http.MethodGet, "/api/v2/me", nil)
		require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r.raw)
		require.Equal(t, 20, r.code())
		require.Equal(t, "60", r.header.Get("Retry-After"))
		require.Equal(t, 3.0, counter(t, e.reg, "fbsession_web_session_unknown_cookies_total"))
		require.Equal(t, 1.0, counter(t, e.reg, "fbsession_web_session_throttled_total", "what", "lookup"))
		// Basic is not the cookie's limit.
		require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v2/me/channels", "a1", nil).status)
	})
}

// Behind a reverse proxy that rewrites Host, a page of the public URL's
// origin is the service's own; so is the host a trusted proxy says the
// client asked for, and no one else's say.
func TestWebSessionOriginBehindProxy(t *testing.T) {
	t.Parallel()
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, c := range []struct {
		name    string
		opts    webOptions
		headers []string
		ok      bool
	}{
		{"public URL", webOptions{publicOrigin: "https://desk.example.com"}, []string{"Origin", "https://desk.example.com"}, true},
		{"public URL, other scheme", webOptions{publicOrigin: "https://desk.example.com"}, []string{"Origin", "http://desk.example.com"}, false},
		{"another origin", webOptions{publicOrigin: "https://desk.example.com"}, []string{"Origin", "https://evil.example"}, false},
		{"trusted X-Forwarded-Host", webOptions{trusted: loopback}, []string{"Origin", "http://desk.example.com", "X-Forwarded-Host", "desk.example.com"}, true},
		{"trusted, https", webOptions{trusted: loopback}, []string{"Origin", "https://desk.example.com", "X-Forwarded-Host", "desk.example.com", "X-Forwarded-Proto", "https"}, true},
		{"untrusted X-Forwarded-Host", webOptions{}, []string{"Origin", "http://desk.example.com", "X-Forwarded-Host", "desk.example.com"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := storetest.SQLite(t, storetest.Options{})
			require.NoError(t, b.Users.Add(context.Background(), testUsers[0], password))
			e := newWebEnv(t, b, c.opts)
			login := slices.Clone(xhr)
			for i := 0; i+1 < len(c.headers); i += 2 {
				if c.headers[i] == "X-Forwarded-Proto" {
					login = append(login, c.headers[i:i+2]...)
				}
			}
			r := e.do(http.MethodGet, "/api/v2/me", "a1", nil, login...)
			cookie := sessionCookie(t, r)
			require.NotNil(t, cookie)
			page := browser{cookie: cookie.Value, csrf: r.header.Get("X-CSRF-TOKEN")}
			if cookie.Secure {
				page.name = websession.SecureCookieName
			}
			r = e.as(page, http.MethodPost, "/api/v2/me", start, c.headers...)
			if c.ok {
				require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
			} else {
				require.Equal(t, http.StatusForbidden, r.status, "%s", r.raw)
			}
		})
	}
}

// counter is a counter's value in reg, of the series with labels (name,
// value, ...); 0 when it has none.
func counter(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
				}
				if !found {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
