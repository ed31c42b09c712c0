package cometd_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
	"github.com/fbsession/fbsession/users"
)

type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func (b *bundle) dial(t *testing.T, user, password string) (*wsClient, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	if user != "" {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
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

func (c *wsClient) send(msgs ...map[string]any) {
	c.t.Helper()
	b, err := json.Marshal(msgs)
	require.NoError(c.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(c.t, c.conn.Write(ctx, websocket.MessageText, b))
}

// read is the next batch, or an error (the connection closed).
func (c *wsClient) read(d time.Duration) ([]reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	var rs []reply
	require.NoError(c.t, json.Unmarshal(b, &rs), "%s", b)
	return rs, nil
}

func (c *wsClient) must(d time.Duration) []reply {
	c.t.Helper()
	rs, err := c.read(d)
	require.NoError(c.t, err)
	return rs
}

func wsConnect(id string, timeout ...int) map[string]any {
	m := connect(id, timeout...)
	m["connectionType"] = "websocket"
	return m
}

func TestWebSocket(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 5 * time.Second})
	c, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	c.send(handshake())
	h := c.must(2 * time.Second)[0]
	require.True(t, h.ok(), "%+v", h)
	c.send(subscribe(h.ClientID, cometd.Channel), wsConnect(h.ClientID, 0))
	seen := map[string]bool{}
	for len(seen) < 2 {
		for _, r := range c.must(2 * time.Second) {
			require.True(t, r.ok(), "%+v", r)
			seen[r.Channel] = true
		}
	}
	// The next connect is held; messages are pushed as they come. (They
	// are pushed to the bound client whether or not a connect is held:
	// wait for it, so that Close below has one to answer.)
	c.send(wsConnect(h.ClientID))
	b.waitHeld(t, 1)
	b.publish(t, "a1", "s1", `{"n":1}`)
	b.publish(t, "a1", "s1", `{"n":2}`)
	var got []string
	for len(got) < 2 {
		rs := c.must(2 * time.Second)
		got = append(got, data(rs)...)
		for _, r := range rs {
			require.NotEqual(t, "/meta/connect", r.Channel, "the connect stays held")
		}
	}
	require.Equal(t, []string{`{"n":1}`, `{"n":2}`}, got)
	require.Equal(t, 1.0, metric(t, b, "fbsession_cometd_websockets"))

	// Another user's client id over their own websocket.
	other, _, err := b.dial(t, "agent2", "pw")
	require.NoError(t, err)
	other.send(wsConnect(h.ClientID, 0), subscribe(h.ClientID, cometd.Channel))
	n := 0
	for n < 2 {
		for _, r := range other.must(2 * time.Second) {
			require.Equal(t, "402::Unknown client", r.Error)
			n++
		}
	}

	// Close answers the held connect and closes the connection.
	b.srv.Close()
	rs := c.must(2 * time.Second)
	r := last(t, rs)
	require.Equal(t, "/meta/connect", r.Channel)
	require.Equal(t, "503::Server shutting down", r.Error)
	require.Equal(t, "handshake", r.Advice.Reconnect)
	_, err = c.read(2 * time.Second)
	require.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)
}

func TestWebSocketUpgradeNeedsCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{})
	for _, user := range []string{"", "nobody", "nofeature"} {
		_, res, err := b.dial(t, user, "pw")
		require.Error(t, err, user)
		require.NotNil(t, res, user)
		want := http.StatusUnauthorized
		if user == "nofeature" {
			want = http.StatusForbidden
		}
		require.Equal(t, want, res.StatusCode, user)
	}
	_, res, err := b.dial(t, "agent1", "wrong")
	require.Error(t, err)
	require.Equal(t, `Basic realm="fbsession", charset="UTF-8"`, res.Header.Get("WWW-Authenticate"))
}

// The websocket's connect reply comes when the held one times out; a
// client that then stops connecting expires, its NATS interest dropped,
// and its next connect is told it is unknown.
func TestWebSocketConnectTimeoutAndExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 300 * time.Millisecond, MaxIdle: 500 * time.Millisecond})
	base := b.nc.NumSubscriptions()
	c, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	c.send(handshake())
	id := c.must(2 * time.Second)[0].ClientID
	c.send(subscribe(id, cometd.Channel))
	require.True(t, c.must(2 * time.Second)[0].ok())
	b.waitSubscriptions(t, base+1)
	start := time.Now()
	c.send(wsConnect(id))
	r := last(t, c.must(2*time.Second))
	require.True(t, r.ok())
	require.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond)

	// No connect for longer than MaxIdle: expired. (Other messages keep
	// the connection open, not the client.)
	for removed(t, b, "expired") == 0 {
		require.Less(t, time.Since(start), 5*time.Second, "not expired")
		c.send(map[string]any{"channel": cometd.Channel, "id": "p", "clientId": id, "data": map[string]any{}})
		require.Contains(t, c.must(2 * time.Second)[0].Error, "Publish denied")
		time.Sleep(50 * time.Millisecond)
	}
	b.waitSubscriptions(t, base)
	c.send(wsConnect(id, 0))
	r = last(t, c.must(2*time.Second))
	require.Equal(t, "402::Unknown client", r.Error)
	require.Equal(t, "handshake", r.Advice.Reconnect)
}

// A client that disconnects over the websocket gets its held connect
// answered with reconnect none.
func TestWebSocketDisconnect(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 5 * time.Second})
	c, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	c.send(handshake())
	id := c.must(2 * time.Second)[0].ClientID
	c.send(wsConnect(id))
	b.waitHeld(t, 1)
	c.send(map[string]any{"channel": "/meta/disconnect", "id": "d", "clientId": id})
	channels := map[string]reply{}
	for len(channels) < 2 {
		for _, r := range c.must(2 * time.Second) {
			channels[r.Channel] = r
		}
	}
	require.True(t, channels["/meta/disconnect"].ok())
	require.Equal(t, "none", channels["/meta/connect"].Advice.Reconnect)
}

// Credentials are checked again over an open websocket: any denial, a
// changed password or throttling or the directory down alike, ends it,
// and nothing more of the client's reaches it.
func TestWebSocketEndsWhenCredentialsAreRefused(t *testing.T) {
	t.Parallel()
	for name, refuse := range map[string]struct {
		password string
		err      error
		want     string
	}{
		"password changed": {password: "new", want: "401::Authentication failed"},
		"throttled":        {password: "pw", err: &users.ThrottledError{RetryAfter: time.Second}, want: "429::Too many failed logins"},
		"directory down":   {password: "pw", err: errors.New("database down"), want: "503::Service unavailable"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			auth := &mutableAuth{password: "pw"}
			b := setup(t, cometd.Config{Auth: auth, Timeout: 5 * time.Second, MaxIdle: time.Minute})
			c, _, err := b.dial(t, "agent1", "pw")
			require.NoError(t, err)
			c.send(handshake())
			id := c.must(2 * time.Second)[0].ClientID
			c.send(subscribe(id, cometd.Channel), wsConnect(id, 0))
			n := 0
			for n < 2 {
				n += len(c.must(2 * time.Second))
			}

			auth.set(refuse.password, refuse.err)
			c.send(wsConnect(id))
			r := last(t, c.must(2*time.Second))
			require.Equal(t, "/meta/connect", r.Channel)
			require.Equal(t, refuse.want, r.Error)
			b.publish(t, "a1", "s1", `{"n":1}`)
			rs, err := c.read(2 * time.Second)
			require.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v %+v", err, rs)
			require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_clients") == 0 }, 2*time.Second, 10*time.Millisecond)
		})
	}
}

// Websockets are capped like clients, per user and in all, whether or
// not they handshake; one that does not handshake in time is closed.
func TestWebSocketLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{MaxClientsPerUser: 2, MaxClients: 3, HandshakeTimeout: 300 * time.Millisecond, MaxIdle: time.Minute})
	first, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	second, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	first.send(handshake())
	require.True(t, first.must(2 * time.Second)[0].ok())
	_, res, err := b.dial(t, "agent1", "pw")
	require.Error(t, err)
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	other, _, err := b.dial(t, "agent2", "pw")
	require.NoError(t, err)
	_, res, err = b.dial(t, "agent2", "pw")
	require.Error(t, err)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)

	// The ones that did not handshake are closed; the one that did is not.
	for _, c := range []*wsClient{second, other} {
		_, err = c.read(3 * time.Second)
		require.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v", err)
	}
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_websockets") == 1 }, 3*time.Second, 10*time.Millisecond)
	third, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	third.send(handshake())
	require.True(t, third.must(2 * time.Second)[0].ok())
	require.Equal(t, 2.0, metric(t, b, "fbsession_cometd_websockets"))
}

// A websocket that sends nothing for longer than a client may be idle
// is closed.
func TestSilentWebSocketIsClosed(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 200 * time.Millisecond, MaxIdle: 200 * time.Millisecond})
	c, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	start := time.Now()
	_, err = c.read(5 * time.Second)
	require.Error(t, err)
	require.Less(t, time.Since(start), 3*time.Second)
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_websockets") == 0 }, 2*time.Second, 10*time.Millisecond)
}

// The CometD client reopens a websocket with the client id it has, and
// connects without a new handshake: that connection is not cut as one
// that never handshook.
func TestWebSocketReopenedWithTheClientItHas(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{HandshakeTimeout: 300 * time.Millisecond, MaxIdle: time.Minute})
	first, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	first.send(handshake())
	h := first.must(2 * time.Second)[0]
	require.True(t, h.ok(), "%+v", h)
	require.NoError(t, first.conn.CloseNow())

	again, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	again.send(wsConnect(h.ClientID, 0))
	require.True(t, last(t, again.must(2*time.Second)).ok())
	time.Sleep(600 * time.Millisecond) // twice the handshake timeout
	again.send(wsConnect(h.ClientID, 0))
	require.True(t, last(t, again.must(2*time.Second)).ok(), "the reopened websocket was cut")

	// Another user's client id does not count.
	other, _, err := b.dial(t, "agent2", "pw")
	require.NoError(t, err)
	other.send(wsConnect(h.ClientID, 0))
	require.Equal(t, "402::Unknown client", last(t, other.must(2*time.Second)).Error)
	_, err = other.read(2 * time.Second)
	require.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v", err)
}
