package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/projections/natstest"
)

// longTests turns on the long variants (FBSESSION_LONG_TESTS=1).
var longTests = os.Getenv("FBSESSION_LONG_TESTS") != ""

// buildDaemon builds fbsessiond for tests that kill it.
func buildDaemon(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fbsessiond")
	out, err := exec.Command("go", "build", "-o", bin, "../../fbsessiond").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// process is fbsessiond as a child process that can be killed and started
// again on the same address.
type process struct {
	t   *testing.T
	bin string
	env []string
	cmd *exec.Cmd
}

func (p *process) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin)
	p.cmd.Env = append(os.Environ(), p.env...)
	require.NoError(p.t, p.cmd.Start())
}

func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// SIGKILL fbsessiond again and again under a load of Completes whose
// clients retry with an Idempotency-Key: nothing acknowledged is lost,
// nothing is applied twice, and every change is notified exactly once.
func TestKilledUnderLoad(t *testing.T) {
	t.Parallel()
	sessions, kills := 300, 3
	if longTests {
		sessions, kills = 5000, 10
	}
	dbURL := postgrestest.SchemaURL(t)
	natsURL := natstest.RunServer(t, "", 0).ClientURL()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	p := &process{t: t, bin: buildDaemon(t), env: []string{
		"DATABASE_URL=" + dbURL, "NATS_URL=" + natsURL, "FBSESSION_HTTP_ADDR=" + addr,
		"FBSESSION_LOG_LEVEL=error", "FBSESSION_BCRYPT_COST=4",
	}}
	p.start()
	t.Cleanup(p.kill)
	s := &service{t: t, cfg: testConfig(t, dbURL), base: "http://" + addr}
	require.Eventually(t, func() bool {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
		}
		return err == nil && res.StatusCode == 200
	}, 30*time.Second, 50*time.Millisecond)
	s.seed(dbURL, sessions)

	// Clients: each Complete is retried with its key until it is answered.
	acknowledged := make([]int64, sessions)
	var next, done, attempts, retried atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(5 * time.Minute)
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(sessions); i = next.Add(1) - 1 {
				for time.Now().Before(deadline) {
					attempts.Add(1)
					status, body := s.post(fmt.Sprintf("/api/v2/me/facebooksessions/s%d", i), "agent1", "correct horse",
						`{"operationName":"Complete"}`, "Idempotency-Key", fmt.Sprintf("complete-s%d", i))
					if status == 200 {
						var r struct{ ReferenceID int64 }
						require.NoError(t, json.Unmarshal([]byte(body), &r))
						acknowledged[i] = r.ReferenceID
						done.Add(1)
						break
					}
					require.Contains(t, []int{0, 503}, status, "only unavailability is retried: %s", body)
					retried.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	// The killer.
	for k := 0; k < kills; k++ {
		target := int64(sessions * (k + 1) / (kills + 1))
		for done.Load() < target && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		p.kill()
		time.Sleep(50 * time.Millisecond)
		p.start()
	}
	wg.Wait()
	for i, ref := range acknowledged {
		require.Positive(t, ref, "s%d was never acknowledged", i)
	}

	// The log: one completion per session, with the referenceId answered.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT stream_id, count(*), min((metadata::json->>'referenceId')::bigint)
		FROM events WHERE event_type IN ('InteractionCompleted', 'QueuedTo') GROUP BY stream_id`)
	require.NoError(t, err)
	completions := 0
	for rows.Next() {
		var stream string
		var count, ref int64
		require.NoError(t, rows.Scan(&stream, &count, &ref))
		require.Equal(t, int64(1), count, "%s completed %d times", stream, count)
		var i int
		_, err := fmt.Sscanf(strings.TrimPrefix(stream, "facebooksession-s"), "%d", &i)
		require.NoError(t, err)
		require.Equal(t, acknowledged[i], ref, "%s: the log holds the referenceId that was answered", stream)
		completions++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, sessions, completions)

	// The stream: exactly one StatusChange per change, once the notifier of
	// the last process has caught up.
	stream := notificationStream(t, &config.Config{NATSURL: natsURL, Stream: "FBSESSION_NOTIFICATIONS"}, natsURL)
	require.Eventually(t, func() bool {
		users, integration, err := notificationCounts(ctx, stream, s.cfg.SubjectPrefix)
		return err == nil && users >= uint64(2*sessions) && integration >= uint64(2*sessions)
	}, 60*time.Second, 100*time.Millisecond)
	users, integration, err := notificationCounts(ctx, stream, s.cfg.SubjectPrefix)
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
	t.Logf("Completes attempted %d (%d failed and retried), acknowledged %d, in the log %d, notified %d (of %d notifications); kills survived %d",
		attempts.Load(), retried.Load(), done.Load(), completions, len(seen)/2-sessions, len(seen), kills)
}
