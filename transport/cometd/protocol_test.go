package cometd_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
	"github.com/fbsession/fbsession/users"
)

func TestHandshakeAdviceAndConnectionTypes(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 25 * time.Second, MaxIdle: 30 * time.Second})
	rs := b.post(t, "agent1", handshake())
	require.Len(t, rs, 1)
	h := rs[0]
	require.True(t, h.ok())
	require.Equal(t, "/meta/handshake", h.Channel)
	require.Equal(t, "1", h.ID)
	require.Equal(t, "1.0", h.Version)
	require.ElementsMatch(t, []string{"long-polling", "websocket"}, h.SupportedConnectionTypes)
	require.NotEmpty(t, h.ClientID)
	require.NotNil(t, h.Advice)
	require.Equal(t, "retry", h.Advice.Reconnect)
	require.EqualValues(t, 0, h.Advice.Interval)
	require.EqualValues(t, 25000, h.Advice.Timeout)
	require.EqualValues(t, 30000, h.Advice.MaxInterval)

	// The first connect asks for an answer at once (timeout 0).
	start := time.Now()
	rs = b.post(t, "agent1", connect(h.ClientID, 0))
	require.Less(t, time.Since(start), time.Second)
	c := last(t, rs)
	require.Equal(t, "/meta/connect", c.Channel)
	require.True(t, c.ok(), "%+v", c)
	require.Equal(t, "retry", c.Advice.Reconnect)

	// No connection type in common.
	m := handshake()
	m["supportedConnectionTypes"] = []string{"callback-polling"}
	rs = b.post(t, "agent1", m)
	require.False(t, rs[0].ok())
	require.Equal(t, "406::Unsupported connection types", rs[0].Error)
	require.Equal(t, "none", rs[0].Advice.Reconnect)
}

// Notifications of the user's sessions arrive as the channel's messages,
// data byte for byte the NATS body, in order; others' do not.
func TestDeliveryInOrderWithRawData(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{})
	id := b.client(t, "agent1")
	bodies := make([]string, 0, 50)
	for i := range 50 {
		// Spacing and key order kept: the data is not re-encoded.
		bodies = append(bodies, fmt.Sprintf(`{"referenceId": %d,"notificationType":"StatusChange","messageType":"FacebooksessionStateChangeMessage","facebooksession":{"id":"s%d","state":"Completed"}}`, i+1, i%3))
	}
	b.publish(t, "a2", "x", `{"other":"user"}`)
	for i, body := range bodies {
		b.publish(t, "a1", fmt.Sprintf("s%d", i%3), body)
	}
	var got []string
	for len(got) < len(bodies) {
		rs := b.post(t, "agent1", connect(id))
		require.True(t, last(t, rs).ok())
		got = append(got, data(rs)...)
	}
	require.Equal(t, bodies, got)
}

func TestConnectHeldUntilAMessageOrTheTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 500 * time.Millisecond})
	id := b.client(t, "agent1")

	start := time.Now()
	rs := b.post(t, "agent1", connect(id))
	require.GreaterOrEqual(t, time.Since(start), 450*time.Millisecond)
	require.Empty(t, data(rs))
	require.True(t, last(t, rs).ok())

	b = setup(t, cometd.Config{Timeout: 5 * time.Second})
	id = b.client(t, "agent1")
	start = time.Now()
	held := b.postAsync("agent1", connect(id))
	b.waitHeld(t, 1)
	b.publish(t, "a1", "s1", `{"n":1}`)
	rs = await(t, held, 3*time.Second)
	require.Less(t, time.Since(start), 3*time.Second)
	require.Equal(t, []string{`{"n":1}`}, data(rs))
}

// CometD batches messages in one request; the connect, last, is held.
func TestBatch(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 5 * time.Second})
	id := b.post(t, "agent1", handshake())[0].ClientID
	rs := b.post(t, "agent1",
		subscribe(id, "/v2/me/*"),
		subscribe(id, cometd.Channel),
		map[string]any{"channel": "/meta/unsubscribe", "id": "u", "clientId": id, "subscription": "/v2/me/*"},
		connect(id, 0))
	require.Len(t, rs, 4)
	for _, r := range rs {
		require.True(t, r.ok(), "%+v", r)
	}
	require.JSONEq(t, `"/v2/me/*"`, string(rs[0].Subscription))
	require.Equal(t, "/meta/unsubscribe", rs[2].Channel)

	// Still subscribed to the channel itself.
	b.publish(t, "a1", "s1", `{"n":1}`)
	require.Equal(t, []string{`{"n":1}`}, data(b.post(t, "agent1", connect(id))))

	// A connect that is not last is answered at once.
	start := time.Now()
	rs = b.post(t, "agent1", connect(id), subscribe(id, cometd.Channel))
	require.Less(t, time.Since(start), 3*time.Second)
	require.Len(t, rs, 2)

	// A single message, not an array, is a batch of one; an empty one
	// or a hundred and one are refused.
	status, body := b.postBody(t, "agent1", `{"channel":"/meta/connect","clientId":"`+id+`","advice":{"timeout":0}}`)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), `"successful":true`)
	status, _ = b.postBody(t, "agent1", `[]`)
	require.Equal(t, 400, status)
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = connect(id, 0)
	}
	status, _ = b.postRaw(t, "agent1", many...)
	require.Equal(t, 400, status)
}

func TestUnknownClient(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{})
	for _, m := range []map[string]any{connect("nope"), subscribe("nope", cometd.Channel),
		{"channel": "/meta/disconnect", "id": "d", "clientId": "nope"}} {
		rs := b.post(t, "agent1", m)
		require.Len(t, rs, 1)
		require.False(t, rs[0].ok())
		require.Equal(t, "402::Unknown client", rs[0].Error)
		require.Equal(t, "handshake", rs[0].Advice.Reconnect)
	}
}

// A client id is only ever used by the user who made it: another user
// presenting it is told it is unknown, and the owner's client goes on.
func TestClientIDOfAnotherUser(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 5 * time.Second})
	id := b.client(t, "agent1")
	for _, m := range []map[string]any{connect(id, 0), subscribe(id, cometd.Channel),
		{"channel": "/meta/unsubscribe", "id": "u", "clientId": id, "subscription": cometd.Channel},
		{"channel": "/meta/disconnect", "id": "d", "clientId": id}} {
		rs := b.post(t, "agent2", m)
		require.Equal(t, "402::Unknown client", rs[0].Error, "%v", m)
	}
	b.publish(t, "a1", "s1", `{"n":1}`)
	rs := b.post(t, "agent1", connect(id))
	require.True(t, last(t, rs).ok())
	require.Equal(t, []string{`{"n":1}`}, data(rs))
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{})
	for user, want := range map[string]string{"": "401::Authentication failed", "nobody": "401::Authentication failed",
		"nofeature": "403::The api-multimedia feature is needed"} {
		rs := b.post(t, user, handshake())
		require.Len(t, rs, 1)
		require.False(t, rs[0].ok(), user)
		require.Equal(t, want, rs[0].Error, user)
		require.Equal(t, "none", rs[0].Advice.Reconnect, "no point retrying: %s", user)
		require.Empty(t, rs[0].ClientID)
	}
	// A connect with credentials that stopped working is refused too.
	id := b.client(t, "agent1")
	rs := b.post(t, "nobody", connect(id, 0))
	require.Equal(t, "401::Authentication failed", rs[0].Error)
}

func TestThrottledAndUnavailable(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Auth: fakeAuth{err: &users.ThrottledError{RetryAfter: 7 * time.Second}}})
	rs := b.post(t, "agent1", handshake(), connect("x"))
	require.Equal(t, "429::Too many failed logins", rs[0].Error)
	require.Equal(t, "handshake", rs[0].Advice.Reconnect)
	require.EqualValues(t, 7000, rs[0].Advice.Interval)
	require.EqualValues(t, 30000, rs[0].Advice.MaxInterval, "the server's advice otherwise")
	require.EqualValues(t, 2000, rs[0].Advice.Timeout)
	require.Equal(t, "retry", rs[1].Advice.Reconnect, "a connect is retried as a connect")

	b = setup(t, cometd.Config{Auth: fakeAuth{err: errors.New("database down")}})
	rs = b.post(t, "agent1", handshake())
	require.Equal(t, "503::Service unavailable", rs[0].Error)
	require.Equal(t, "handshake", rs[0].Advice.Reconnect)
}

func TestOnlyTheChannelMaySubscribeAndNobodyPublishes(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{})
	id := b.post(t, "agent1", handshake())[0].ClientID
	for _, ch := range []string{"/v2/me/calls", "/**", "/v2/users/a2/facebooksession", "/meta/connect"} {
		rs := b.post(t, "agent1", subscribe(id, ch))
		require.False(t, rs[0].ok(), ch)
		require.Equal(t, "403:"+ch+":Subscription forbidden", rs[0].Error)
	}
	for _, ch := range []string{cometd.Channel, "/v2/me/*", "/v2/me/**"} {
		require.True(t, b.post(t, "agent1", subscribe(id, ch))[0].ok(), ch)
	}
	rs := b.post(t, "agent1", map[string]any{"channel": cometd.Channel, "id": "p", "clientId": id, "data": map[string]any{"x": 1}})
	require.Equal(t, "403:"+cometd.Channel+":Publish denied", rs[0].Error)
	rs = b.post(t, "agent1", map[string]any{"channel": "/meta/whatever", "id": "w", "clientId": id})
	require.Equal(t, "400::Unknown meta channel", rs[0].Error)
}

func TestUnsubscribeStopsDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 200 * time.Millisecond})
	id := b.client(t, "agent1")
	rs := b.post(t, "agent1", map[string]any{"channel": "/meta/unsubscribe", "id": "u", "clientId": id, "subscription": cometd.Channel})
	require.True(t, rs[0].ok())
	b.publish(t, "a1", "s1", `{"n":1}`)
	require.Empty(t, data(b.post(t, "agent1", connect(id))))
}

// A disconnect answers the connect held for the client, which is gone.
func TestDisconnect(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 5 * time.Second})
	base := b.nc.NumSubscriptions()
	id := b.client(t, "agent1")
	b.waitSubscriptions(t, base+1)
	held := b.postAsync("agent1", connect(id))
	b.waitHeld(t, 1)
	rs := b.post(t, "agent1", map[string]any{"channel": "/meta/disconnect", "id": "d", "clientId": id})
	require.True(t, rs[0].ok())
	rs = await(t, held, 2*time.Second)
	require.False(t, last(t, rs).ok())
	require.Equal(t, "none", last(t, rs).Advice.Reconnect)
	require.Equal(t, "402::Unknown client", b.post(t, "agent1", connect(id, 0))[0].Error)
	b.waitSubscriptions(t, base) // the user's NATS interest dropped
}

// A newer connect of the same client answers the one held before it,
// with its reply alone: what is queued is the newer one's.
func TestNewerConnectReleasesTheHeldOne(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 5 * time.Second})
	id := b.client(t, "agent1")
	older := b.postAsync("agent1", connect(id))
	b.waitHeld(t, 1)
	newer := b.postAsync("agent1", connect(id))
	rs := await(t, older, 2*time.Second)
	require.True(t, last(t, rs).ok())
	require.Empty(t, data(rs))
	b.waitHeld(t, 1)
	b.publish(t, "a1", "s1", `{"n":1}`)
	rs = await(t, newer, 2*time.Second)
	require.True(t, last(t, rs).ok())
	require.Equal(t, []string{`{"n":1}`}, data(rs))
}

// Only POSTed JSON batches and websocket upgrades are served.
func TestMethodAndContentType(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{})
	res, err := http.Get(b.url)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	require.Equal(t, "GET, POST", res.Header.Get("Allow"))

	req, err := http.NewRequest(http.MethodPost, b.url, strings.NewReader(`[{"channel":"/meta/handshake"}]`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/plain")
	req.SetBasicAuth("agent1", "pw")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
}

// Bad input gets Bayeux's or HTTP's own answer, and holds nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{})
	id := b.post(t, "agent1", handshake())[0].ClientID
	for _, sub := range []any{42, "", []string{}, map[string]any{"a": 1}, nil} {
		rs := b.post(t, "agent1", map[string]any{"channel": "/meta/subscribe", "id": "s", "clientId": id, "subscription": sub})
		require.Equal(t, "400::Bad message", rs[0].Error, "subscription %v", sub)
	}
	rs := b.post(t, "agent1", map[string]any{"id": "n", "clientId": id})
	require.Equal(t, "400::Bad message", rs[0].Error, "no channel")

	for _, body := range []string{`{"channel":`, `"/meta/connect"`, `[1,2]`} { // batch sizes: TestBatch
		status, _ := b.postBody(t, "agent1", body)
		require.Equal(t, http.StatusBadRequest, status, body)
	}
	status, _ := b.postBody(t, "agent1", `[{"channel":"/meta/connect","ext":"`+strings.Repeat("x", 64<<10)+`"}]`)
	require.Equal(t, http.StatusRequestEntityTooLarge, status)

	// A timeout asked for out of range is clamped, not taken: a negative
	// one answers at once, a huge one is held no longer than the server's.
	b = setup(t, cometd.Config{Timeout: 200 * time.Millisecond})
	id = b.client(t, "agent1")
	for _, timeout := range []int64{-5, 1 << 50} {
		m := connect(id)
		m["advice"] = map[string]any{"timeout": timeout}
		start := time.Now()
		rs := b.post(t, "agent1", m)
		require.True(t, last(t, rs).ok(), "timeout %d", timeout)
		require.Less(t, time.Since(start), 5*time.Second, "timeout %d", timeout)
	}
}
