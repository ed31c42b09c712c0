package systemtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/projections/natstest"
)

// A write transaction left open in another database of the cluster does
// not hold notifications back: a Complete's notification is in NATS
// within 2 s, as without it.
func TestNotificationNotHeldBackByOtherDatabase(t *testing.T) {
	t.Parallel()
	dbURL := postgrestest.SchemaURL(t)
	// A NATS server of the test's, whose stream it can read.
	natsURL := natstest.RunServer(t, "", 0).ClientURL()
	s := startDaemon(t, buildBinaries(t), dbURL, natsURL)
	s.seed(dbURL, 1)
	stream := notificationStream(t, natsURL)
	// On the agent's subject; the integration side's copy follows each.
	msgs := func() uint64 {
		users, _, err := notificationCounts(context.Background(), stream, subjectPrefix)
		if err != nil {
			return 0
		}
		return users
	}
	require.Eventually(t, func() bool { return msgs() == 1 }, 10*time.Second, 10*time.Millisecond, "the intake's notification")

	postgrestest.HoldWriteInOtherDatabase(t)
	status, body := s.post("/api/v2/me/facebooksessions/s0", "agent1", "correct horse", `{"operationName":"Complete"}`)
	require.Equal(t, 200, status, body)
	completed := time.Now()
	require.Eventually(t, func() bool { return msgs() == 2 }, 2*time.Second, 10*time.Millisecond, "the Complete's notification")
	t.Logf("notified %v after the Complete's response", time.Since(completed).Round(time.Millisecond))
}
