package systemtest

import (
	"context"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/projections/natstest"
)

// SIGKILL fbsessiond again and again under a load of Completes whose
// clients retry with an Idempotency-Key: nothing acknowledged is lost,
// nothing is applied twice, and every change is notified exactly once.
func TestKilledUnderLoad(t *testing.T) {
	t.Parallel()
	sessions, kills := 300, 3
	if longTests() {
		sessions, kills = 5000, 10
	}
	dbURL := postgrestest.SchemaURL(t)
	natsURL := natstest.RunServer(t, "", 0).ClientURL()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	bins := buildBinaries(t)
	p := &child{t: t, name: "fbsessiond", args: []string{bins.daemon}, log: filepath.Join(t.TempDir(), "fbsessiond.log"), env: []string{
		"DATABASE_URL=" + dbURL, "NATS_URL=" + natsURL, "FBSESSION_HTTP_ADDR=" + addr,
		"FBSESSION_LOG_LEVEL=error", "FBSESSION_BCRYPT_COST=4", "FBSESSION_ADMIN_ADDR=",
	}}
	p.start()
	t.Cleanup(p.kill)
	s := bins.serviceAt(t, addr)
	require.Eventually(t, s.ready, 30*time.Second, 50*time.Millisecond)
	s.seed(dbURL, sessions)

	// Clients: each Complete is retried with its key until it is answered.
	load := newCompletes(sessions)
	var wg sync.WaitGroup
	deadline := time.Now().Add(5 * time.Minute)
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			load.completeUntil(t, s, deadline)
		}()
	}
	// The killer.
	for k := 0; k < kills; k++ {
		target := int64(sessions * (k + 1) / (kills + 1))
		for load.done.Load() < target && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		p.kill()
		time.Sleep(50 * time.Millisecond)
		p.start()
	}
	wg.Wait()
	load.requireAcknowledged(t)

	// The log: one completion per session, with the referenceId answered.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	completions := checkCompletions(ctx, t, conn, load.acknowledged)

	// The stream: exactly one StatusChange per change, once the notifier of
	// the last process has caught up.
	notified := checkNotifiedOnce(ctx, t, natsURL, sessions)
	t.Logf("Completes attempted %d (%d failed and retried), acknowledged %d, in the log %d, notified %d (of %d notifications); kills survived %d",
		load.attempts.Load(), load.retried.Load(), load.done.Load(), completions, notified/2-sessions, notified, kills)
}

// completeUntil is a client of the kill test: it completes the sessions
// it claims, each retried until answered or until deadline.
func (c *completes) completeUntil(t *testing.T, s *service, deadline time.Time) {
	for i, ok := c.claim(); ok; i, ok = c.claim() {
		for time.Now().Before(deadline) {
			status, body := c.send(s, i)
			if status == 200 {
				require.NoError(t, c.acknowledge(i, body))
				break
			}
			require.Contains(t, []int{0, 503}, status, "only unavailability is retried: %s", body)
			c.retried.Add(1)
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// checkNotifiedOnce checks the stream of the NATS server at natsURL holds
// an intake's and a Complete's notification per session, on the agent's
// subject and on the integration side's, each once. It returns how many
// notifications it holds.
func checkNotifiedOnce(ctx context.Context, t *testing.T, natsURL string, sessions int) int {
	t.Helper()
	stream := notificationStream(t, natsURL)
	require.Eventually(t, func() bool {
		users, integration, err := notificationCounts(ctx, stream, subjectPrefix)
		return err == nil && users >= uint64(2*sessions) && integration >= uint64(2*sessions)
	}, 60*time.Second, 100*time.Millisecond)
	users, integration, err := notificationCounts(ctx, stream, subjectPrefix)
	require.NoError(t, err)
	require.Equal(t, uint64(2*sessions), users, "one per intake and one per Complete, no duplicates")
	require.Equal(t, uint64(2*sessions), integration, "the same to the integration side")
	info, err := stream.Info(ctx)
	require.NoError(t, err)
	seen := map[string]bool{}
	for seq := uint64(1); seq <= info.State.Msgs; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		require.NoError(t, err)
		id := m.Header.Get(jetstream.MsgIDHeader)
		require.False(t, seen[id], "%s twice", id)
		seen[id] = true
	}
	return len(seen)
}
