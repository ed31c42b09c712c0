package daemon_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/transport/cometd/cometdtest"
)

// GWS desktops over CometD, with the official JavaScript client on each
// transport against a real fbsessiond: handshake with Basic credentials,
// subscribe, a Complete made over REST arrives with its data; wrong
// credentials fail the handshake; another user's client id is refused;
// after fbsessiond restarts, the client handshakes again and keeps
// receiving.
func TestCometD(t *testing.T) {
	t.Parallel()
	cometdtest.Require(t)
	for _, transport := range []string{"long-polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			s := startService(t, testConfig(t, ""), discardLogger())
			s.seed("", 0)
			s.cli("", "correct horse\n", "users", "add", "a2", "--name", "agent2", "--role", "agent", "--feature", "api-multimedia", "--password-stdin")
			url := s.base + "/api/v2/notifications"

			c := cometdtest.Start(t, url, "agent1", "correct horse", transport)
			h := subscribed(t, c, transport)

			s.intake(t, "c1")
			n := waitNotification(t, c, func(n notification) bool { return n.Facebooksession.ID == "c1" })
			require.Nil(t, n.ReferenceID, "intake has no referenceId")
			ref := s.operate(t, "c1", "Complete")
			n = waitNotification(t, c, func(n notification) bool { return n.ReferenceID != nil && *n.ReferenceID == ref })
			require.Equal(t, "StatusChange", n.NotificationType)
			require.Equal(t, "FacebooksessionStateChangeMessage", n.MessageType)
			require.Equal(t, "c1", n.Facebooksession.ID)
			require.Equal(t, "Completed", n.Facebooksession.State)

			bad := cometdtest.Start(t, url, "agent1", "wrong horse", transport, "--once")
			e := bad.WaitFor(20*time.Second, func(e cometdtest.Event) bool { return e.Event == "handshake" })
			require.False(t, e.Successful, "%+v", e)
			require.True(t, bad.Exited(10*time.Second))

			status, body := s.bayeux(t, "agent2", fmt.Sprintf(`[{"channel":"/meta/connect","clientId":%q,"connectionType":"long-polling","advice":{"timeout":0}}]`, h.ClientID))
			require.Equal(t, http.StatusOK, status, body)
			require.Contains(t, body, `"error":"402::Unknown client"`)

			// The restart: same address and data, another process.
			cfg := s.cfg
			cfg.HTTPAddr = strings.TrimPrefix(s.base, "http://")
			s.stop()
			select {
			case err := <-s.done:
				require.NoError(t, err, "graceful shutdown")
				s.done <- nil // for the cleanup
			case <-time.After(30 * time.Second):
				t.Fatal("no shutdown")
			}
			s = startService(t, cfg, discardLogger())
			again := subscribed(t, c, transport)
			require.NotEqual(t, h.ClientID, again.ClientID)
			s.intake(t, "c2")
			ref = s.operate(t, "c2", "Complete")
			n = waitNotification(t, c, func(n notification) bool { return n.ReferenceID != nil && *n.ReferenceID == ref })
			require.Equal(t, "c2", n.Facebooksession.ID)
			require.Equal(t, "Completed", n.Facebooksession.State)
		})
	}
}

// An Accept made over REST, of a session offered to the agent (intake
// starts it Invited), reaches the CometD client with its referenceId.
func TestCometDAccept(t *testing.T) {
	t.Parallel()
	cometdtest.Require(t)
	for _, transport := range []string{"long-polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			s := startService(t, testConfig(t, ""), discardLogger())
			s.seed("", 0)
			c := cometdtest.Start(t, s.base+"/api/v2/notifications", "agent1", "correct horse", transport)
			subscribed(t, c, transport)
			status, body := s.post("/api/v2/facebooksessions", "router", "router secret", `{"id":"inv1","agentId":"a1"}`)
			require.Equal(t, 201, status, body)
			n := waitNotification(t, c, func(n notification) bool { return n.Facebooksession.ID == "inv1" })
			require.Equal(t, "Invited", n.Facebooksession.State)
			ref := s.operate(t, "inv1", "Accept")
			n = waitNotification(t, c, func(n notification) bool {
				return n.ReferenceID != nil && *n.ReferenceID == ref && n.NotificationType == "StatusChange"
			})
			require.Equal(t, "Chatting", n.Facebooksession.State)
		})
	}
}

// Notifications published while fbsessiond was cut from NATS are lost
// to its CometD clients: once reconnected, it drops them, and the client
// handshakes again (its desktop re-reads its sessions) and receives.
func TestCometDAfterNATSReconnect(t *testing.T) {
	t.Parallel()
	cometdtest.Require(t)
	natsDir := t.TempDir()
	ns := natstest.RunServer(t, natsDir, 0)
	cfg := testConfig(t, "")
	cfg.NATSURL = ns.ClientURL()
	s := startService(t, cfg, discardLogger())
	s.seed("", 0)
	c := cometdtest.Start(t, s.base+"/api/v2/notifications", "agent1", "correct horse", "long-polling")
	h := subscribed(t, c, "long-polling")

	ns.Shutdown()
	ns.WaitForShutdown()
	var port int
	_, err := fmt.Sscanf(strings.TrimPrefix(cfg.NATSURL, "nats://127.0.0.1:"), "%d", &port)
	require.NoError(t, err)
	natstest.RunServer(t, natsDir, port)

	again := subscribed(t, c, "long-polling")
	require.NotEqual(t, h.ClientID, again.ClientID)
	s.intake(t, "r1")
	ref := s.operate(t, "r1", "Complete")
	n := waitNotification(t, c, func(n notification) bool { return n.ReferenceID != nil && *n.ReferenceID == ref })
	require.Equal(t, "r1", n.Facebooksession.ID)
}

// subscribed waits for the client's next successful handshake, on the
// transport asked, and its subscription.
func subscribed(t *testing.T, c *cometdtest.Client, transport string) cometdtest.Event {
	t.Helper()
	h := c.WaitFor(30*time.Second, func(e cometdtest.Event) bool { return e.Event == "handshake" && e.Successful })
	require.Equal(t, transport, h.Transport)
	s := c.WaitFor(10*time.Second, func(e cometdtest.Event) bool { return e.Event == "subscribe" })
	require.True(t, s.Successful, "%+v", s)
	return h
}

type notification struct {
	ReferenceID      *int64 `json:"referenceId"`
	NotificationType string `json:"notificationType"`
	MessageType      string `json:"messageType"`
	Facebooksession  struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"facebooksession"`
}

// waitNotification is the data of the first channel message that matches.
func waitNotification(t *testing.T, c *cometdtest.Client, match func(notification) bool) notification {
	t.Helper()
	var n notification
	c.WaitFor(20*time.Second, func(e cometdtest.Event) bool {
		if e.Event != "message" {
			return false
		}
		require.Equal(t, "/v2/me/facebooksession", e.Channel)
		n = notification{}
		require.NoError(t, json.Unmarshal(e.Data, &n), "%s", e.Data)
		return match(n)
	})
	return n
}

// intake hands agent1 a session the agent has already joined.
func (s *service) intake(t *testing.T, id string) {
	t.Helper()
	status, body := s.post("/api/v2/facebooksessions", "router", "router secret", fmt.Sprintf(`{"id":%q,"agentId":"a1","state":"Chatting"}`, id))
	require.Equal(t, 201, status, body)
}

// operate runs an operation of agent1 and returns its referenceId.
func (s *service) operate(t *testing.T, id, op string) int64 {
	t.Helper()
	status, body := s.post("/api/v2/me/facebooksessions/"+id, "agent1", "correct horse", fmt.Sprintf(`{"operationName":%q}`, op))
	require.Equal(t, 200, status, body)
	var res struct {
		ReferenceID int64 `json:"referenceId"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &res))
	require.Positive(t, res.ReferenceID)
	return res.ReferenceID
}

// bayeux posts a raw batch as user (password "correct horse").
func (s *service) bayeux(t *testing.T, user, batch string) (int, string) {
	t.Helper()
	return s.post("/api/v2/notifications", user, "correct horse", batch)
}
