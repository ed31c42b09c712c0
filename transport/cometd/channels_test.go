package cometd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
	"github.com/fbsession/fbsession/transport/cometd/cometdtest"
)

// The agent's channel notifications come on /v2/me/channels to the
// clients subscribed to it or to a wildcard over /v2/me, and not to those
// subscribed to the sessions' channel alone; the sessions' stay on theirs.
func TestChannelStateNotificationsOnTheirChannel(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{MaxIdle: time.Minute})
	base := b.nc.NumSubscriptions()
	handshaken := func() string {
		rs := b.post(t, "agent1", handshake())
		require.True(t, rs[0].ok(), "%+v", rs[0])
		return rs[0].ClientID
	}
	chans, all, sessions := handshaken(), handshaken(), b.client(t, "agent1")
	require.True(t, b.post(t, "agent1", subscribe(chans, cometd.ChannelsChannel))[0].ok())
	require.True(t, b.post(t, "agent1", subscribe(all, "/v2/me/*"))[0].ok())
	b.waitSubscriptions(t, base+1) // one for the user, whatever their clients

	const state = `{"channels":[{"channel":"facebooksession","dndState":"Off","userState":{"id":"9430250E-0A1B-421F-B372-F29E69366DED","displayName":"Ready","state":"Ready"}}],"messageType":"ChannelStateChangeMessageV2"}`
	require.NoError(t, b.nc.Publish(b.prefix+".users.a1.channels", []byte(state)))
	b.publish(t, "a1", "s1", `{"n":1}`)
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_notifications_received_total") == 2 },
		5*time.Second, 10*time.Millisecond)

	got := func(id string) map[string][]string {
		byChannel := map[string][]string{}
		for _, r := range b.post(t, "agent1", connect(id, 0)) {
			if !strings.HasPrefix(r.Channel, "/meta/") {
				byChannel[r.Channel] = append(byChannel[r.Channel], string(r.Data))
			}
		}
		return byChannel
	}
	require.Equal(t, map[string][]string{cometd.ChannelsChannel: {state}}, got(chans))
	require.Equal(t, map[string][]string{cometd.ChannelsChannel: {state}, cometd.Channel: {`{"n":1}`}}, got(all))
	require.Equal(t, map[string][]string{cometd.Channel: {`{"n":1}`}}, got(sessions))
}

// The official client subscribed to /v2/me/channels receives the agent's
// channel states, and not their sessions' notifications.
func TestOfficialClientOnChannelStates(t *testing.T) {
	t.Parallel()
	cometdtest.Require(t)
	b := setup(t, cometd.Config{Timeout: 5 * time.Second})
	c := cometdtest.Start(t, b.url, "agent1", "pw", "long-polling", "--channel="+cometd.ChannelsChannel)
	s := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "subscribe" })
	require.True(t, s.Successful, "%+v", s)
	b.publish(t, "a1", "s1", `{"referenceId":1,"notificationType":"StatusChange"}`)
	const state = `{"referenceId":2,"channels":[{"channel":"facebooksession","dndState":"Off","userState":{"id":"9430250E-0A1B-421F-B372-F29E69366DED","displayName":"Ready","state":"Ready"}}],"messageType":"ChannelStateChangeMessageV2"}`
	require.NoError(t, b.nc.Publish(b.prefix+".users.a1.channels", []byte(state)))
	m := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "message" })
	require.Equal(t, cometd.ChannelsChannel, m.Channel)
	require.JSONEq(t, state, string(m.Data))
}
