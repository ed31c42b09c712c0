package daemon_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

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
