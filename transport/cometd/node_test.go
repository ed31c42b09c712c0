package cometd_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
	"github.com/fbsession/fbsession/transport/cometd/cometdtest"
)

// The official CometD client, on each transport alone: handshake,
// subscribe, messages; wrong credentials fail the handshake.
func TestOfficialClient(t *testing.T) {
	t.Parallel()
	cometdtest.Require(t)
	for _, transport := range []string{"long-polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			b := setup(t, cometd.Config{Timeout: 5 * time.Second})
			c := cometdtest.Start(t, b.url, "agent1", "pw", transport)
			h := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "handshake" })
			require.True(t, h.Successful, "%+v", h)
			require.Equal(t, transport, h.Transport)
			s := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "subscribe" })
			require.True(t, s.Successful, "%+v", s)
			b.publish(t, "a1", "s1", `{"referenceId":1,"notificationType":"StatusChange"}`)
			b.publish(t, "a1", "s2", `{"referenceId":2,"notificationType":"StatusChange"}`)
			for _, want := range []string{`{"referenceId":1,"notificationType":"StatusChange"}`, `{"referenceId":2,"notificationType":"StatusChange"}`} {
				m := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "message" })
				require.Equal(t, cometd.Channel, m.Channel)
				require.JSONEq(t, want, string(m.Data))
			}

			bad := cometdtest.Start(t, b.url, "agent1", "wrong", transport, "--once")
			h = bad.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "handshake" })
			require.False(t, h.Successful, "%+v", h)
			require.True(t, bad.Exited(10*time.Second), "the client gave up")
		})
	}
}

// The official client as a desktop configures it: both transports
// offered, only the URL and the Authorization header. Its websocket
// upgrade carries no credentials and is refused; it goes on with
// long-polling, and receives.
func TestOfficialClientDefaultConfiguration(t *testing.T) {
	t.Parallel()
	cometdtest.Require(t)
	b := setup(t, cometd.Config{Timeout: 5 * time.Second})
	c := cometdtest.Start(t, b.url, "agent1", "pw", "default")
	h := c.WaitFor(20*time.Second, func(e cometdtest.Event) bool { return e.Event == "handshake" && e.Successful })
	require.Equal(t, "long-polling", h.Transport)
	s := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "subscribe" })
	require.True(t, s.Successful, "%+v", s)
	b.publish(t, "a1", "s1", `{"referenceId":1}`)
	m := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "message" })
	require.Equal(t, cometd.Channel, m.Channel)
	require.JSONEq(t, `{"referenceId":1}`, string(m.Data))
}
