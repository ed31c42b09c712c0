package cometd_test

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
)

// fbsessiond's server cuts a request after a quarter minute, less than
// the advised timeout: a held connect extends its own deadlines, and a
// websocket clears them.
func TestServerDeadlinesDoNotCutHeldConnects(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 1500 * time.Millisecond, MaxIdle: time.Minute})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: b.srv, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond, IdleTimeout: time.Second}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })
	b.url = "http://" + l.Addr().String() + "/api/v2/notifications"

	id := b.client(t, "agent1")
	start := time.Now()
	rs := b.post(t, "agent1", connect(id))
	require.True(t, last(t, rs).ok())
	require.GreaterOrEqual(t, time.Since(start), 1400*time.Millisecond)
	held := b.postAsync("agent1", connect(id))
	b.waitHeld(t, 1)
	time.Sleep(time.Second) // past both server deadlines
	b.publish(t, "a1", "s1", `{"n":1}`)
	require.Equal(t, []string{`{"n":1}`}, data(await(t, held, 3*time.Second)))

	c, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	c.send(handshake())
	wid := c.must(2 * time.Second)[0].ClientID
	c.send(subscribe(wid, cometd.Channel))
	c.must(2 * time.Second)
	time.Sleep(time.Second) // past both server deadlines
	c.send(wsConnect(wid))
	b.publish(t, "a1", "s1", `{"n":2}`)
	// The message is pushed while the connect is held, or comes with its
	// reply if it was queued first; the reply comes at the timeout.
	var got []string
	var r reply
	for r.Channel == "" {
		rs := c.must(3 * time.Second)
		got = append(got, data(rs)...)
		for _, x := range rs {
			if x.Channel == "/meta/connect" {
				r = x
			}
		}
	}
	require.Equal(t, []string{`{"n":2}`}, got)
	require.True(t, r.ok(), "%+v", r)
}
