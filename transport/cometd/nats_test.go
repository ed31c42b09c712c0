package cometd_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
)

// Notifications published while this process was cut from NATS are lost
// to it: on reconnecting, every subscribed client is dropped, to
// handshake again and re-read; a client not subscribed stays.
func TestNATSReconnectDropsSubscribedClients(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{MaxIdle: time.Minute})
	base := b.nc.NumSubscriptions()
	subscribed := b.client(t, "agent1")
	other := b.client(t, "agent2")
	idle := b.post(t, "agent1", handshake())[0].ClientID
	b.waitSubscriptions(t, base+2)

	b.srv.NATSReconnected()
	for _, id := range []string{subscribed, other} {
		rs := b.post(t, "agent1", connect(id, 0))
		require.Equal(t, "402::Unknown client", rs[0].Error)
		require.Equal(t, "handshake", rs[0].Advice.Reconnect)
	}
	require.True(t, last(t, b.post(t, "agent1", connect(idle, 0))).ok())
	require.Equal(t, 2.0, removed(t, b, "nats"))
	b.waitSubscriptions(t, base)
}

// A user's subscription that drops messages as a slow consumer drops the
// user's clients, rather than leaving a gap they cannot see.
func TestSlowConsumerDropsTheClients(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{MaxIdle: time.Minute, QueueLength: 100_000, QueueBytes: 64 << 20})
	cometd.SetSubscriptionPendingLimit(b.srv, 1)
	base := b.nc.NumSubscriptions()
	id := b.client(t, "agent1")
	b.waitSubscriptions(t, base+1)
	for i := 0; removed(t, b, "nats") == 0; i++ {
		require.Less(t, i, 100, "no message dropped")
		for j := range 200 {
			require.NoError(t, b.nc.Publish(b.prefix+".users.a1.facebooksession.s1", fmt.Appendf(nil, `{"n":%d}`, j)))
		}
		require.NoError(t, b.nc.Flush())
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, "402::Unknown client", b.post(t, "agent1", connect(id, 0))[0].Error)
	b.waitSubscriptions(t, base)
}
