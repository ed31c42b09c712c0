package cometd_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/transport/cometd"
	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

// webBundle is a server that accepts browser sessions from a real store
// whose directory knows agent1 (a1) and nofeature (nf).
type webBundle struct {
	*bundle
	store *websession.Store
	dir   *users.Directory
	db    *storetest.Backend
}

func webSetup(t *testing.T, cfg cometd.Config) *webBundle {
	t.Helper()
	return webSetupWith(t, cfg, websession.Config{})
}

func webSetupWith(t *testing.T, cfg cometd.Config, sessions websession.Config) *webBundle {
	t.Helper()
	b := storetest.SQLite(t, storetest.Options{})
	ctx := context.Background()
	for _, u := range []users.User{
		{ID: "a1", UserName: "agent1", Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}},
		{ID: "nf", UserName: "nofeature", Roles: []users.Role{users.RoleAgent}},
	} {
		require.NoError(t, b.Users.Add(ctx, u, "correct horse"))
	}
	sessions.Reader = b.ReadDB
	store, err := websession.New(b.DB, sessions)
	require.NoError(t, err)
	cfg.WebSessions = store
	return &webBundle{bundle: setup(t, cfg), store: store, dir: b.Users, db: b}
}

// page is a signed-in browser page: its cookie and CSRF token.
type page struct{ cookie, csrf string }

// login issues a session for user id, as a Basic GET /api/v2/me does.
func (b *webBundle) login(t *testing.T, id string) page {
	t.Helper()
	ctx := context.Background()
	u, err := b.dir.Get(ctx, id)
	require.NoError(t, err)
	var version int64
	require.NoError(t, b.db.DB.QueryRow(`SELECT version FROM users WHERE id = $1`, id).Scan(&version))
	sess, token, err := b.store.Issue(ctx, u, version)
	require.NoError(t, err)
	return page{cookie: token, csrf: sess.CSRFToken}
}

// origin is the server's own origin, the page's.
func (b *webBundle) origin() string { return strings.TrimSuffix(b.url, "/api/v2/notifications") }

// dialAs opens a websocket as a browser does: the cookie and the page's
// Origin, no Authorization, no credentials in the URL.
func (b *webBundle) dialAs(t *testing.T, p page, origin string) (*wsClient, *http.Response, error) {
	t.Helper()
	return b.dialNamed(t, websession.CookieName, p, origin)
}

// dialNamed is dialAs with the cookie named name.
func (b *webBundle) dialNamed(t *testing.T, name string, p page, origin string) (*wsClient, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	h.Set("Cookie", name+"="+p.cookie)
	if origin != "" {
		h.Set("Origin", origin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, res, err := websocket.Dial(ctx, strings.Replace(b.url, "http", "ws", 1), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, res, err
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return &wsClient{t: t, conn: conn}, res, nil
}

// pollAs long-polls a batch with the cookie and the headers given as
// name, value pairs.
func (b *webBundle) pollAs(t *testing.T, p page, headers []string, msgs ...map[string]any) []reply {
	t.Helper()
	payload, err := json.Marshal(msgs)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, b.url, strings.NewReader(string(payload)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Cookie", websession.CookieName+"="+p.cookie)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var rs []reply
	require.NoError(t, json.Unmarshal(body, &rs), "%s", body)
	return rs
}

// A page's websocket with the session cookie and no Authorization works
// like a Basic one.
func TestWebSessionWebSocket(t *testing.T) {
	t.Parallel()
	b := webSetup(t, cometd.Config{Timeout: 5 * time.Second})
	p := b.login(t, "a1")
	c, _, err := b.dialAs(t, p, b.origin())
	require.NoError(t, err)
	c.send(handshake())
	h := c.must(2 * time.Second)[0]
	require.True(t, h.ok(), "%+v", h)
	c.send(subscribe(h.ClientID, cometd.Channel), wsConnect(h.ClientID, 0))
	for n := 0; n < 2; {
		for _, r := range c.must(2 * time.Second) {
			require.True(t, r.ok(), "%+v", r)
			n++
		}
	}
	c.send(wsConnect(h.ClientID))
	b.waitHeld(t, 1)
	b.publish(t, "a1", "s1", `{"n":1}`)
	require.Equal(t, []string{`{"n":1}`}, data(c.must(2*time.Second)))
}

// A page of another origin cannot use the cookie: its upgrade is refused
// before any upgrade, as is one with no Origin (no browser's).
func TestWebSessionWebSocketOtherOrigin(t *testing.T) {
	t.Parallel()
	b := webSetup(t, cometd.Config{})
	p := b.login(t, "a1")
	for _, origin := range []string{"http://evil.example", "null", strings.Replace(b.origin(), "http:", "https:", 1), ""} {
		_, res, err := b.dialAs(t, p, origin)
		require.Error(t, err, origin)
		require.NotNil(t, res, origin)
		require.Equal(t, http.StatusForbidden, res.StatusCode, origin)
	}
	// Nor a cookie that is no session, nor a user without the feature.
	_, res, err := b.dialAs(t, page{cookie: strings.Repeat("A", 43)}, b.origin())
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	_, res, err = b.dialAs(t, b.login(t, "nf"), b.origin())
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Equal(t, 4.0, metric(t, b.bundle, "fbsession_cometd_refused_total", "reason", "origin"))
}

// Long-polling with the cookie needs the session's CSRF token.
func TestWebSessionLongPolling(t *testing.T) {
	t.Parallel()
	b := webSetup(t, cometd.Config{})
	p := b.login(t, "a1")
	origin := []string{"Origin", b.origin()}
	for _, headers := range [][]string{
		origin,
		append([]string{"X-CSRF-TOKEN", strings.Repeat("A", 43)}, origin...),
		{"X-CSRF-TOKEN", p.csrf, "Origin", "http://evil.example"},
	} {
		rs := b.pollAs(t, p, headers, handshake())
		require.Len(t, rs, 1)
		require.False(t, rs[0].ok())
		require.Equal(t, "403::Missing or invalid Csrf token", rs[0].Error, "%v", headers)
		require.Equal(t, "none", rs[0].Advice.Reconnect)
	}
	rs := b.pollAs(t, page{cookie: strings.Repeat("A", 43)}, append([]string{"X-CSRF-TOKEN", p.csrf}, origin...), handshake())
	require.Equal(t, "401::Authentication failed", rs[0].Error)

	withToken := append([]string{"X-CSRF-TOKEN", p.csrf}, origin...)
	rs = b.pollAs(t, p, withToken, handshake())
	require.True(t, rs[0].ok(), "%+v", rs[0])
	id := rs[0].ClientID
	rs = b.pollAs(t, p, withToken, subscribe(id, cometd.Channel))
	require.True(t, rs[0].ok(), "%+v", rs[0])
	b.publish(t, "a1", "s1", `{"n":1}`)
	require.Eventually(t, func() bool {
		return len(data(b.pollAs(t, p, withToken, connect(id, 0)))) == 1
	}, 5*time.Second, 10*time.Millisecond)

	// Logged out: the next poll is refused.
	require.NoError(t, b.store.End(context.Background(), p.cookie))
	rs = b.pollAs(t, p, withToken, connect(id, 0))
	require.Equal(t, "401::Authentication failed", rs[0].Error)
}

// A logout, or disabling the user, closes an open websocket at its next
// connect, as a refused Basic login does.
func TestWebSessionWebSocketEndsWithTheSession(t *testing.T) {
	t.Parallel()
	for name, end := range map[string]func(b *webBundle, p page) error{
		"logout":   func(b *webBundle, p page) error { return b.store.End(context.Background(), p.cookie) },
		"disabled": func(b *webBundle, _ page) error { return b.dir.SetDisabled(context.Background(), "a1", true) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := webSetup(t, cometd.Config{Timeout: 5 * time.Second, MaxIdle: time.Minute})
			p := b.login(t, "a1")
			c, _, err := b.dialAs(t, p, b.origin())
			require.NoError(t, err)
			c.send(handshake())
			id := c.must(2 * time.Second)[0].ClientID
			c.send(subscribe(id, cometd.Channel), wsConnect(id, 0))
			for n := 0; n < 2; {
				n += len(c.must(2 * time.Second))
			}

			require.NoError(t, end(b, p))
			c.send(wsConnect(id))
			r := last(t, c.must(2*time.Second))
			require.Equal(t, "/meta/connect", r.Channel)
			require.Equal(t, "401::Authentication failed", r.Error)
			b.publish(t, "a1", "s1", `{"n":1}`)
			rs, err := c.read(2 * time.Second)
			require.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v %+v", err, rs)
			require.Eventually(t, func() bool { return metric(t, b.bundle, "fbsession_cometd_clients") == 0 }, 2*time.Second, 10*time.Millisecond)
		})
	}
}

// With an Authorization header, Basic is used and the cookie ignored.
func TestWebSessionBasicWins(t *testing.T) {
	t.Parallel()
	b := webSetup(t, cometd.Config{})
	p := b.login(t, "a1")
	rs := b.pollAs(t, p, []string{"Authorization", basicHeader("agent1", "wrong")}, handshake())
	require.Equal(t, "401::Authentication failed", rs[0].Error, "the wrong password, not the cookie")
	rs = b.pollAs(t, p, []string{"Authorization", basicHeader("agent1", "pw")}, handshake())
	require.True(t, rs[0].ok(), "no CSRF token needed with Basic: %+v", rs[0])
}

func basicHeader(name, password string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(name, password)
	return r.Header.Get("Authorization")
}

// Behind a proxy that rewrites Host, a page of one of the service's own
// origins (Config.Origins: the public URL's) opens the websocket; other
// pages still cannot.
func TestWebSessionWebSocketPublicOrigin(t *testing.T) {
	t.Parallel()
	b := webSetup(t, cometd.Config{Origins: func(r *http.Request) []string {
		return []string{websession.OriginOf("http", r.Host), "https://desk.example.com", "http://[::1]:9"}
	}})
	p := b.login(t, "a1")
	for _, origin := range []string{"https://desk.example.com", "http://[::1]:9", b.origin()} {
		c, _, err := b.dialAs(t, p, origin)
		require.NoError(t, err, origin)
		c.send(handshake())
		require.True(t, c.must(2 * time.Second)[0].ok(), origin)
	}
	for _, origin := range []string{"https://evil.example", "http://desk.example.com", "http://[::2]:9"} {
		_, res, err := b.dialAs(t, p, origin)
		require.Error(t, err, origin)
		require.Equal(t, http.StatusForbidden, res.StatusCode, origin)
	}
}

// Over TLS (as Secure judges it) only the __Host- cookie is taken: one a
// sibling subdomain or a plain-HTTP page tossed in is not.
func TestWebSessionSecureCookieName(t *testing.T) {
	t.Parallel()
	b := webSetup(t, cometd.Config{Secure: func(*http.Request) bool { return true }})
	p := b.login(t, "a1")
	origin := strings.Replace(b.origin(), "http:", "https:", 1)
	_, res, err := b.dialNamed(t, websession.CookieName, p, origin)
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	c, _, err := b.dialNamed(t, websession.SecureCookieName, p, origin)
	require.NoError(t, err)
	c.send(handshake())
	require.True(t, c.must(2 * time.Second)[0].ok())
}

// Cookies naming no session count against the address: past the free
// ones, an upgrade or a long poll with a cookie waits (429, and the
// throttled advice), without a query.
func TestWebSessionUnknownCookiesThrottled(t *testing.T) {
	t.Parallel()
	b := webSetupWith(t, cometd.Config{}, websession.Config{UnknownPerAddress: users.BackoffConfig{Free: 2, Base: time.Minute}})
	p := b.login(t, "a1")
	for range 2 {
		_, res, err := b.dialAs(t, page{cookie: strings.Repeat("A", 43)}, b.origin())
		require.Error(t, err)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	}
	_, res, err := b.dialAs(t, p, b.origin())
	require.Error(t, err)
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	require.Equal(t, "60", res.Header.Get("Retry-After"))
	rs := b.pollAs(t, p, []string{"X-CSRF-TOKEN", p.csrf, "Origin", b.origin()}, handshake())
	require.Equal(t, "429::Too many failed logins", rs[0].Error)
	require.Equal(t, 2.0, metric(t, b.bundle, "fbsession_cometd_refused_total", "reason", "throttled"))
}
