package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd/cometdtest"
	"github.com/fbsession/fbsession/transport/httpapi/apiclient"
)

// The real binary serves the supervisors' views from its router, and
// their CometD channels from NATS, to a supervisor without the
// api-multimedia feature: a1's Ready and the offer the router then makes
// reach the supervisor's client, and the views show both.
func TestSupervisorServed(t *testing.T) {
	t.Parallel()
	cometdtest.Require(t)
	cfg := testConfig(t, "")
	cfg.LogLevel = "debug"
	logs := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("fbsessiond's log:\n%s", logs.String())
		}
	})
	s := startService(t, cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	s.seed("", 0)
	s.cli("", "boss secret\n", "users", "add", "boss", "--name", "boss", "--role", "supervisor", "--password-stdin")
	s.cli("", "", "queues", "add", "Sales")
	s.cli("", "", "queues", "members", "add", "Sales", "a1")
	s.cli("", "", "users", "set", "a1", "--capacity", "1")
	code, out := s.post("/api/v2/me", "agent1", "correct horse", `{"operationName":"StartContactCenterSession","channels":["facebooksession"]}`)
	require.Equal(t, http.StatusOK, code, out)

	c := cometdtest.Start(t, s.base+"/api/v2/notifications", "boss", "boss secret", "websocket", "--channel=/v2/supervisor/**")
	subscribed(t, c, "websocket")
	for _, id := range []string{"q1", "q2"} {
		code, out := s.post("/api/v2/facebooksessions", "router", "router secret", `{"id":"`+id+`","queueName":"Sales"}`)
		require.Equal(t, http.StatusCreated, code, out)
	}
	code, out = s.post("/api/v2/me/channels/facebooksession", "agent1", "correct horse", `{"operationName":"Ready"}`)
	require.Equal(t, http.StatusOK, code, out)

	// a1's Ready, on the channel states', with their id.
	c.WaitFor(20*time.Second, func(e cometdtest.Event) bool {
		if e.Event != "message" || e.Channel != "/v2/supervisor/channels" {
			return false
		}
		var m struct {
			UserID  string `json:"userId"`
			Message struct {
				Channels []struct {
					UserState struct{ State string } `json:"userState"`
				} `json:"channels"`
			} `json:"message"`
		}
		require.NoError(t, json.Unmarshal(e.Data, &m), "%s", e.Data)
		return m.UserID == "a1" && len(m.Message.Channels) == 1 && m.Message.Channels[0].UserState.State == "Ready"
	})
	// The router's offer of q1, on the sessions'.
	c.WaitFor(20*time.Second, func(e cometdtest.Event) bool {
		if e.Event != "message" || e.Channel != "/v2/supervisor/facebooksession" {
			return false
		}
		var n notification
		require.NoError(t, json.Unmarshal(e.Data, &n), "%s", e.Data)
		return n.Facebooksession.ID == "q1" && n.Facebooksession.State == "Invited"
	})

	ctx := context.Background()
	boss := generatedClient(t, s.base, "boss", "boss secret")
	var live []apiclient.LiveSession
	require.Eventually(t, func() bool {
		res, err := boss.ListLiveFacebookSessionsWithResponse(ctx)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode(), string(res.Body))
		live = res.JSON200.Facebooksessions
		return len(live) == 2 && live[1].State == apiclient.LiveSessionStateInvited
	}, 10*time.Second, 20*time.Millisecond, "q1 offered, q2 waiting")
	require.Equal(t, "q2", live[0].Id, "waiting since its intake, before q1's offer")
	require.Equal(t, apiclient.LiveSessionStateWaiting, live[0].State)
	require.Equal(t, "q1", live[1].Id)
	require.Equal(t, "a1", *live[1].AgentId)
	require.Equal(t, "Sales", *live[1].QueueName)

	agents, err := boss.ListAgentsWithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, agents.StatusCode(), string(agents.Body))
	require.Len(t, agents.JSON200.Agents, 1)
	a1 := agents.JSON200.Agents[0]
	require.Equal(t, "agent1", a1.UserName)
	require.Equal(t, 1, a1.Capacity)
	require.Equal(t, "Ready", string(a1.Channels[0].UserState.State))
	require.Len(t, a1.Facebooksessions, 1)
	require.Equal(t, "q1", a1.Facebooksessions[0].Id)

	// An agent is refused both.
	agent := generatedClient(t, s.base, "agent1", "correct horse")
	denied, err := agent.ListAgentsWithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, denied.StatusCode())
}

// lockedBuffer keeps the service's log for a failure's message.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("msg=request ")) {
		return len(p), nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
