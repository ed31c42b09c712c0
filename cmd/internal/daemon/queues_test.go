package daemon_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/httpapi/apiclient"
)

// The real binary serves the queues fbsessionctl adds, to the generated
// client, by id and by name.
func TestQueuesServed(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, dbURL string) {
		s := startService(t, testConfig(t, dbURL), discardLogger())
		s.seed(dbURL, 0)
		require.Equal(t, "queue Sales added, id 1\n", s.cli(dbURL, "", "queues", "add", "Sales", "--offer-timeout", "20s"))
		s.cli(dbURL, "", "queues", "members", "add", "Sales", "a1")
		ctx := context.Background()
		agent := generatedClient(t, s.base, "agent1", "correct horse")

		listed, err := agent.ListQueuesWithResponse(ctx, &apiclient.ListQueuesParams{})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, listed.StatusCode(), string(listed.Body))
		require.Len(t, *listed.JSON200.Uris, 1)
		require.True(t, strings.HasSuffix((*listed.JSON200.Uris)[0], "/api/v2/queues/1"), (*listed.JSON200.Uris)[0])

		for _, key := range []string{"1", "Sales"} {
			got, err := agent.GetQueueWithResponse(ctx, key, &apiclient.GetQueueParams{})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, got.StatusCode(), string(got.Body))
			q, err := got.JSON200.Queue.AsQueue()
			require.NoError(t, err)
			require.Equal(t, "Sales", q.Name)
			require.Equal(t, []string{"a1"}, q.Members)
			require.Equal(t, 20, q.OfferTimeoutSeconds)
			require.True(t, strings.HasSuffix(q.Uri, "/api/v2/queues/1"), q.Uri)
		}
		missing, err := agent.GetQueueWithResponse(ctx, "Nope", &apiclient.GetQueueParams{})
		require.NoError(t, err)
		require.Equal(t, http.StatusNotFound, missing.StatusCode())
	})
}

// The real binary routes: a session placed in a queue by its id is
// offered to the member who is Ready, and the queue's figures count it.
func TestQueuedSessionsAreRouted(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, dbURL string) {
		s := startService(t, testConfig(t, dbURL), discardLogger())
		s.seed(dbURL, 0)
		s.cli(dbURL, "", "queues", "add", "Sales")
		s.cli(dbURL, "", "queues", "members", "add", "Sales", "a1")
		s.cli(dbURL, "", "users", "set", "a1", "--capacity", "1")
		for _, body := range []string{`{"operationName":"StartContactCenterSession","channels":["facebooksession"]}`} {
			code, out := s.post("/api/v2/me", "agent1", "correct horse", body)
			require.Equal(t, http.StatusOK, code, out)
		}
		code, out := s.post("/api/v2/facebooksessions", "router", "router secret", `{"id":"q1","queueName":"Nope"}`)
		require.Equal(t, http.StatusBadRequest, code, out)
		require.Contains(t, out, `queueName names no queue`)
		for _, id := range []string{"q1", "q2"} {
			code, out := s.post("/api/v2/facebooksessions", "router", "router secret", `{"id":"`+id+`","queueName":"1"}`)
			require.Equal(t, http.StatusCreated, code, out)
		}
		ctx := context.Background()
		agent := generatedClient(t, s.base, "agent1", "correct horse")
		figures := func() apiclient.Queue {
			got, err := agent.GetQueueWithResponse(ctx, "Sales", &apiclient.GetQueueParams{})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, got.StatusCode(), string(got.Body))
			q, err := got.JSON200.Queue.AsQueue()
			require.NoError(t, err)
			return q
		}
		require.Eventually(t, func() bool { return figures().Waiting == 2 }, 10*time.Second, 20*time.Millisecond, "both wait: a1 is NotReady")

		code, out = s.post("/api/v2/me/channels/facebooksession", "agent1", "correct horse", `{"operationName":"Ready"}`)
		require.Equal(t, http.StatusOK, code, out)
		require.Eventually(t, func() bool {
			q := figures()
			return q.Waiting == 1 && q.AgentsReady == 1 && q.AgentsBusy == 1
		}, 10*time.Second, 20*time.Millisecond, "q1 offered to a1, q2 waits: capacity 1")
		// The figures count an offer as the router makes it; the session
		// is the agent's once its Route is appended.
		require.Eventually(t, func() bool {
			mine, err := agent.GetMyFacebookSessionWithResponse(ctx, "q1", &apiclient.GetMyFacebookSessionParams{})
			require.NoError(t, err)
			if mine.StatusCode() != http.StatusOK {
				return false
			}
			session, err := mine.JSON200.Facebooksession.AsFacebooksession()
			require.NoError(t, err)
			return session.State == apiclient.FacebooksessionStateInvited
		}, 10*time.Second, 20*time.Millisecond, "q1 offered to a1")
	})
}
