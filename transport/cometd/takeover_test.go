package cometd_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
)

// A websocket whose client a newer connect took over, on another
// websocket, has its held connect answered and pushes nothing more of
// the client's: every message reaches the newer connection.
func TestWebSocketTakenOverByAnotherWebSocket(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 5 * time.Second, MaxIdle: time.Minute})
	old, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	old.send(handshake())
	id := old.must(2 * time.Second)[0].ClientID
	old.send(subscribe(id, cometd.Channel))
	require.True(t, old.must(2 * time.Second)[0].ok())
	old.send(wsConnect(id))
	b.waitHeld(t, 1)

	newer, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	newer.send(wsConnect(id))
	r := last(t, old.must(2*time.Second))
	require.Equal(t, "/meta/connect", r.Channel)
	require.True(t, r.ok(), "%+v", r)
	b.waitHeld(t, 1)

	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf(`{"n":%d}`, i))
		b.publish(t, "a1", "s1", want[i])
	}
	var got []string
	for len(got) < len(want) {
		got = append(got, data(newer.must(2*time.Second))...)
	}
	require.Equal(t, want, got)
	rs, err := old.read(300 * time.Millisecond)
	require.Error(t, err, "the old websocket pushed %+v", rs)
}

// A long poll taking a websocket's client over gets what is queued; the
// websocket nothing more.
func TestWebSocketTakenOverByALongPoll(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 5 * time.Second, MaxIdle: time.Minute})
	ws, _, err := b.dial(t, "agent1", "pw")
	require.NoError(t, err)
	ws.send(handshake())
	id := ws.must(2 * time.Second)[0].ClientID
	ws.send(subscribe(id, cometd.Channel))
	require.True(t, ws.must(2 * time.Second)[0].ok())
	ws.send(wsConnect(id))
	b.waitHeld(t, 1)

	var got []string
	for i := range 10 {
		poll := b.postAsync("agent1", connect(id))
		if i == 0 {
			r := last(t, ws.must(2*time.Second))
			require.Equal(t, "/meta/connect", r.Channel)
		}
		b.waitHeld(t, 1)
		body := fmt.Sprintf(`{"n":%d}`, i)
		b.publish(t, "a1", "s1", body)
		rs := await(t, poll, 3*time.Second)
		require.True(t, last(t, rs).ok())
		got = append(got, data(rs)...)
	}
	require.Len(t, got, 10)
	rs, err := ws.read(300 * time.Millisecond)
	require.Error(t, err, "the websocket pushed %+v", rs)
}
