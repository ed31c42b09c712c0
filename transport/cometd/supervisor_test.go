package cometd_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
	"github.com/fbsession/fbsession/transport/cometd/cometdtest"
	"github.com/fbsession/fbsession/users"
)

// supervisorAuth is fakeAuth with boss, a supervisor without the
// api-multimedia feature, and lead, a supervisor with it whose role can
// be taken away.
type supervisorAuth struct {
	fakeAuth
	mu      sync.Mutex
	demoted bool
	noDesk  bool
}

func (a *supervisorAuth) Authenticate(ctx context.Context, addr, name, password string) (users.User, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if password != "pw" {
		return users.User{}, users.ErrBadCredentials
	}
	switch name {
	case "boss":
		return users.User{ID: "boss", UserName: name, Roles: []users.Role{users.RoleSupervisor}}, nil
	case "lead":
		u := users.User{ID: "lead", UserName: name, Roles: []users.Role{users.RoleAgent, users.RoleSupervisor}, Features: []string{users.FeatureMultimedia}}
		if a.demoted {
			u.Roles = u.Roles[:1]
		}
		if a.noDesk {
			u.Features = nil
		}
		return u, nil
	}
	return a.fakeAuth.Authenticate(ctx, addr, name, password)
}

func (a *supervisorAuth) set(demoted, noDesk bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.demoted, a.noDesk = demoted, noDesk
}

// messages are the data of the non-meta messages among rs, by channel.
func messages(rs []reply) map[string][]string {
	out := map[string][]string{}
	for _, r := range rs {
		if !strings.HasPrefix(r.Channel, "/meta/") {
			out[r.Channel] = append(out[r.Channel], string(r.Data))
		}
	}
	return out
}

const readyState = `{"referenceId":7,"channels":[{"channel":"facebooksession","dndState":"Off","userState":{"id":"9430250E-0A1B-421F-B372-F29E69366DED","displayName":"Ready","state":"Ready"}}],"messageType":"ChannelStateChangeMessageV2"}`

// A supervisor receives every agent's channel states, wrapped with the
// agent's id, and every session's integration-side notifications; not
// the agents' own session notifications. The process subscribes to NATS
// for them only while it holds a supervisor's client.
func TestSupervisorChannels(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Auth: &supervisorAuth{}, MaxIdle: time.Minute})
	base := b.nc.NumSubscriptions()
	handshaken := func(user string) string {
		rs := b.post(t, user, handshake())
		require.True(t, rs[0].ok(), "%+v", rs[0])
		return rs[0].ClientID
	}
	// boss has no api-multimedia: a client, but only the supervisors'
	// channels.
	all, chans := handshaken("boss"), handshaken("boss")
	rs := b.post(t, "boss", subscribe(all, cometd.Channel))
	require.Equal(t, "403:/v2/me/facebooksession:Subscription forbidden", rs[0].Error)
	require.True(t, b.post(t, "boss", subscribe(all, "/v2/supervisor/**"))[0].ok())
	require.True(t, b.post(t, "boss", subscribe(chans, cometd.SupervisorChannelsChannel))[0].ok())
	b.waitSubscriptions(t, base+2) // every agent's channels, every session's integration subject

	// An agent may not subscribe to them; a user with neither the
	// feature nor the role gets no client.
	agent := handshaken("agent1")
	for _, ch := range []string{cometd.SupervisorChannelsChannel, cometd.SupervisorSessionsChannel, "/v2/supervisor/*", "/v2/supervisor/**"} {
		rs := b.post(t, "agent1", subscribe(agent, ch))
		require.Equal(t, "403:"+ch+":Subscription forbidden", rs[0].Error)
	}
	require.Equal(t, "403::The api-multimedia feature is needed", b.post(t, "nofeature", handshake())[0].Error)

	require.NoError(t, b.nc.Publish(b.prefix+".users.a2.channels", []byte(readyState)))
	require.NoError(t, b.nc.Publish(b.prefix+".integration.facebooksession.s9", []byte(`{"referenceId":8,"facebooksession":{"id":"s9"}}`)))
	b.publish(t, "a2", "s9", `{"agent's":"own"}`)
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_notifications_received_total") == 2 },
		5*time.Second, 10*time.Millisecond)

	wrapped := `{"userId":"a2","message":` + readyState + `}`
	require.Equal(t, map[string][]string{
		cometd.SupervisorChannelsChannel: {wrapped},
		cometd.SupervisorSessionsChannel: {`{"referenceId":8,"facebooksession":{"id":"s9"}}`},
	}, messages(b.post(t, "boss", connect(all, 0))))
	require.Equal(t, map[string][]string{cometd.SupervisorChannelsChannel: {wrapped}}, messages(b.post(t, "boss", connect(chans, 0))))

	// The last supervisor's unsubscribe ends the process's subscriptions.
	unsubscribe := func(id, ch string) map[string]any {
		return map[string]any{"channel": "/meta/unsubscribe", "id": "u", "clientId": id, "subscription": ch}
	}
	require.True(t, b.post(t, "boss", unsubscribe(all, "/v2/supervisor/**"))[0].ok())
	b.waitSubscriptions(t, base+2)
	require.True(t, b.post(t, "boss", unsubscribe(chans, cometd.SupervisorChannelsChannel))[0].ok())
	b.waitSubscriptions(t, base)
}

// A supervisor who is an agent too holds both feeds in one client; losing
// the role or the feature while connected drops the client at its next
// request, which then handshakes again and may no longer subscribe.
func TestSupervisorLosesTheRole(t *testing.T) {
	t.Parallel()
	auth := &supervisorAuth{}
	b := setup(t, cometd.Config{Auth: auth, MaxIdle: time.Minute})
	base := b.nc.NumSubscriptions()
	id := b.post(t, "lead", handshake())[0].ClientID
	for _, r := range b.post(t, "lead", subscribe(id, "/v2/me/*"), subscribe(id, "/v2/supervisor/*")) {
		require.True(t, r.ok(), "%+v", r)
	}
	b.waitSubscriptions(t, base+3)
	b.publish(t, "lead", "s1", `{"n":1}`)
	require.NoError(t, b.nc.Publish(b.prefix+".users.a1.channels", []byte(readyState)))
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_notifications_received_total") == 2 },
		5*time.Second, 10*time.Millisecond)
	require.Equal(t, map[string][]string{
		cometd.Channel:                   {`{"n":1}`},
		cometd.SupervisorChannelsChannel: {`{"userId":"a1","message":` + readyState + `}`},
	}, messages(b.post(t, "lead", connect(id, 0))))

	auth.set(true, false)
	require.Equal(t, "402::Unknown client", b.post(t, "lead", connect(id, 0))[0].Error)
	require.Equal(t, 1.0, removed(t, b, "permission"))
	b.waitSubscriptions(t, base)
	id = b.post(t, "lead", handshake())[0].ClientID
	require.Equal(t, "403:/v2/supervisor/*:Subscription forbidden", b.post(t, "lead", subscribe(id, "/v2/supervisor/*"))[0].Error)
	require.True(t, b.post(t, "lead", subscribe(id, cometd.Channel))[0].ok())
	b.waitSubscriptions(t, base+1)

	// Supervisor again, without the feature: the desktop's channel goes.
	auth.set(false, true)
	require.Equal(t, "402::Unknown client", b.post(t, "lead", connect(id, 0))[0].Error)
	require.Equal(t, 2.0, removed(t, b, "permission"))
	b.waitSubscriptions(t, base)
}

// The supervisors' clients are dropped as the agents' are when NATS may
// have lost their notifications: on a reconnect, and when a subscription
// drops messages as a slow consumer.
func TestSupervisorClientsDroppedOnGaps(t *testing.T) {
	t.Parallel()
	b := setup(t, cometd.Config{Auth: &supervisorAuth{}, MaxIdle: time.Minute, QueueLength: 100_000, QueueBytes: 64 << 20})
	base := b.nc.NumSubscriptions()
	subscribed := func() string {
		id := b.post(t, "boss", handshake())[0].ClientID
		require.True(t, b.post(t, "boss", subscribe(id, "/v2/supervisor/**"))[0].ok())
		return id
	}
	id := subscribed()
	b.waitSubscriptions(t, base+2)
	b.srv.NATSReconnected()
	require.Equal(t, "402::Unknown client", b.post(t, "boss", connect(id, 0))[0].Error)
	require.Equal(t, 1.0, removed(t, b, "nats"))
	b.waitSubscriptions(t, base)

	cometd.SetSubscriptionPendingLimit(b.srv, 1)
	id = subscribed()
	b.waitSubscriptions(t, base+2)
	for i := 0; removed(t, b, "nats") == 1; i++ {
		require.Less(t, i, 100, "no message dropped")
		for range 200 {
			require.NoError(t, b.nc.Publish(b.prefix+".integration.facebooksession.s1", []byte(`{"n":1}`)))
		}
		require.NoError(t, b.nc.Flush())
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, "402::Unknown client", b.post(t, "boss", connect(id, 0))[0].Error)
	b.waitSubscriptions(t, base)
}

// The official client, over the websocket, subscribed to the
// supervisors' wildcard as a supervisor without api-multimedia.
func TestOfficialClientAsSupervisor(t *testing.T) {
	t.Parallel()
	cometdtest.Require(t)
	b := setup(t, cometd.Config{Auth: &supervisorAuth{}, Timeout: 5 * time.Second})
	base := b.nc.NumSubscriptions()
	c := cometdtest.Start(t, b.url, "boss", "pw", "websocket", "--channel=/v2/supervisor/**")
	s := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "subscribe" })
	require.True(t, s.Successful, "%+v", s)
	b.waitSubscriptions(t, base+2)
	require.NoError(t, b.nc.Publish(b.prefix+".users.a1.channels", []byte(readyState)))
	m := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "message" })
	require.Equal(t, cometd.SupervisorChannelsChannel, m.Channel)
	require.JSONEq(t, `{"userId":"a1","message":`+readyState+`}`, string(m.Data))
	require.NoError(t, b.nc.Publish(b.prefix+".integration.facebooksession.s2", []byte(`{"referenceId":3}`)))
	m = c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "message" })
	require.Equal(t, cometd.SupervisorSessionsChannel, m.Channel)
	require.JSONEq(t, `{"referenceId":3}`, string(m.Data))
}

// Over an open websocket, a subscribe is judged by the user as the
// directory has them at that subscribe, not at the upgrade: a supervisor
// who lost the role cannot subscribe to the supervisors' channels before
// their next connect.
func TestWebSocketSubscribeAfterLosingTheRole(t *testing.T) {
	t.Parallel()
	auth := &supervisorAuth{}
	b := setup(t, cometd.Config{Auth: auth, Timeout: 5 * time.Second, MaxIdle: time.Minute})
	c, _, err := b.dial(t, "lead", "pw")
	require.NoError(t, err)
	c.send(handshake())
	h := c.must(2 * time.Second)[0]
	require.True(t, h.ok(), "%+v", h)
	c.send(subscribe(h.ClientID, cometd.SupervisorChannelsChannel))
	require.True(t, c.must(2 * time.Second)[0].ok())

	auth.set(true, false)
	// The client held the channel the role gave: dropped, as a long poll's
	// would be.
	c.send(subscribe(h.ClientID, "/v2/supervisor/facebooksession"))
	require.Equal(t, "402::Unknown client", c.must(2 * time.Second)[0].Error)
	c.send(handshake())
	h = c.must(2 * time.Second)[0]
	require.True(t, h.ok(), "%+v", h)
	for _, ch := range []string{cometd.SupervisorChannelsChannel, "/v2/supervisor/**"} {
		c.send(subscribe(h.ClientID, ch))
		require.Equal(t, "403:"+ch+":Subscription forbidden", c.must(2 * time.Second)[0].Error)
	}

	// Supervisor again: the same websocket may subscribe at once.
	auth.set(false, false)
	c.send(subscribe(h.ClientID, cometd.SupervisorChannelsChannel))
	require.True(t, c.must(2 * time.Second)[0].ok())
}
