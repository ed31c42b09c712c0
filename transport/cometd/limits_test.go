package cometd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
)

func TestClientsPerUserAndInAll(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{MaxClientsPerUser: 2, MaxClients: 3, MaxIdle: time.Minute})
	first := b.post(t, "agent1", handshake())[0]
	require.True(t, first.ok())
	require.True(t, b.post(t, "agent1", handshake())[0].ok())
	rs := b.post(t, "agent1", handshake())
	require.False(t, rs[0].ok())
	require.Equal(t, "429::Too many clients for this user", rs[0].Error)
	require.Equal(t, "handshake", rs[0].Advice.Reconnect)
	require.EqualValues(t, 60000, rs[0].Advice.Interval, "after an abandoned client would have expired")

	require.True(t, b.post(t, "agent2", handshake())[0].ok())
	rs = b.post(t, "agent2", handshake())
	require.Equal(t, "503::Too many clients", rs[0].Error)

	// A disconnect frees a place.
	require.True(t, b.post(t, "agent1", map[string]any{"channel": "/meta/disconnect", "id": "d", "clientId": first.ClientID})[0].ok())
	require.True(t, b.post(t, "agent2", handshake())[0].ok())
	require.Equal(t, 3.0, metric(t, b, "fbsession_cometd_clients"))
}

// A client nobody connects for expires; one whose connect is held does
// not, however long the hold.
func TestIdleClientsExpire(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{MaxIdle: time.Second, Timeout: 3 * time.Second})
	idle := b.client(t, "agent1")
	busy := b.client(t, "agent1")
	rs := b.post(t, "agent1", connect(busy)) // held 3 s, three times MaxIdle
	require.True(t, last(t, rs).ok())
	require.True(t, last(t, b.post(t, "agent1", connect(busy, 0))).ok())
	rs = b.post(t, "agent1", connect(idle, 0))
	require.Equal(t, "402::Unknown client", rs[0].Error)
	require.Equal(t, "handshake", rs[0].Advice.Reconnect)
	require.Equal(t, 1.0, removed(t, b, "expired"))
}

// A client whose queue fills is dropped, its queue freed: it must
// handshake again (and its desktop re-read its sessions), while the
// process keeps nothing more for it.
func TestQueueOverflowDropsTheClient(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{QueueLength: 3, QueueBytes: 1 << 20, MaxIdle: time.Minute})
	base := b.nc.NumSubscriptions()
	slow := b.client(t, "agent1")
	fast := b.client(t, "agent1")
	for i := range 3 {
		b.publish(t, "a1", "s1", `{"n":`+string(rune('1'+i))+`}`)
	}
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_notifications_received_total") == 3 }, 2*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{`{"n":1}`, `{"n":2}`, `{"n":3}`}, data(b.post(t, "agent1", connect(fast, 0))))
	b.publish(t, "a1", "s1", `{"n":4}`) // the fourth for slow
	require.Eventually(t, func() bool { return removed(t, b, "overflow") == 1 }, 2*time.Second, 10*time.Millisecond)
	rs := b.post(t, "agent1", connect(slow, 0))
	require.Equal(t, "402::Unknown client", rs[0].Error)
	require.Equal(t, []string{`{"n":4}`}, data(b.post(t, "agent1", connect(fast, 0))))
	b.waitSubscriptions(t, base+1) // fast's
	require.True(t, b.post(t, "agent1", map[string]any{"channel": "/meta/disconnect", "id": "d", "clientId": fast})[0].ok())
	b.waitSubscriptions(t, base)

	// Bytes count too.
	b = setup(t, cometd.Config{QueueLength: 100, QueueBytes: 200, MaxIdle: time.Minute})
	base = b.nc.NumSubscriptions()
	b.client(t, "agent1")
	b.waitSubscriptions(t, base+1)
	b.publish(t, "a1", "s1", `{"pad":"`+strings.Repeat("x", 100)+`"}`)
	b.publish(t, "a1", "s1", `{"pad":"`+strings.Repeat("x", 100)+`"}`)
	require.Eventually(t, func() bool { return removed(t, b, "overflow") == 1 }, 2*time.Second, 10*time.Millisecond)
	b.waitSubscriptions(t, base) // the overflown client's user has no other
}

// A body that is not JSON would make the whole response unreadable: it
// is skipped, and the next one delivered.
func TestBodyNotJSONIsSkipped(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{})
	id := b.client(t, "agent1")
	b.publish(t, "a1", "s1", `{"broken":`)
	b.publish(t, "a1", "s1", `{"n":2}`)
	require.Equal(t, []string{`{"n":2}`}, data(b.post(t, "agent1", connect(id))))
}

// Close answers the held connects, sending the clients to handshake
// again, and forgets them.
func TestCloseAnswersHeldConnects(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Timeout: 10 * time.Second})
	id := b.client(t, "agent1")
	held := b.postAsync("agent1", connect(id))
	b.waitHeld(t, 1)
	b.srv.Close()
	r := last(t, await(t, held, 2*time.Second))
	require.False(t, r.ok())
	require.Equal(t, "503::Server shutting down", r.Error)
	require.Equal(t, "handshake", r.Advice.Reconnect)
	require.Equal(t, "503::Server shutting down", b.post(t, "agent1", handshake())[0].Error)
	require.Equal(t, 0.0, metric(t, b, "fbsession_cometd_clients"))
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{})
	id := b.client(t, "agent1")
	b.client(t, "agent2")
	b.publish(t, "a1", "s1", `{"n":1}`)
	b.publish(t, "a1", "s1", `{"n":2}`)
	require.Len(t, data(b.post(t, "agent1", connect(id))), 2)
	b.post(t, "nobody", handshake())
	b.post(t, "agent1", connect("nope", 0))
	require.Equal(t, 2.0, metric(t, b, "fbsession_cometd_clients"))
	require.Equal(t, 2.0, metric(t, b, "fbsession_cometd_messages_delivered_total"))
	require.Equal(t, 2.0, metric(t, b, "fbsession_cometd_notifications_received_total"))
	require.Equal(t, 1.0, metric(t, b, "fbsession_cometd_refused_total", "reason", "credentials"))
	require.Equal(t, 1.0, metric(t, b, "fbsession_cometd_refused_total", "reason", "unknown_client"))
}
