package systemtest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/projections/natstest"
)

// PostgreSQL goes away: requests fail fast with 503/4; it comes back: the
// same process serves again without a restart.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	dbURL := postgrestest.SchemaURL(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	p := newProxy(t, u.Host)
	proxied := *u
	proxied.Host = p.addr
	q := proxied.Query()
	q.Set("connect_timeout", "1")
	proxied.RawQuery = q.Encode()

	s := startDaemon(t, buildBinaries(t), proxied.String(), "")
	s.seed(dbURL, 3)
	status, body := s.post("/api/v2/me/facebooksessions/s0", "agent1", "correct horse", `{"operationName":"Complete"}`)
	require.Equal(t, 200, status, body)

	p.cut()
	for i, path := range []string{"/api/v2/me/facebooksessions/s1", "/api/v2/me/facebooksessions/s2"} {
		start := time.Now()
		status, body = s.post(path, "agent1", "correct horse", `{"operationName":"Complete"}`)
		took := time.Since(start)
		require.Equal(t, 503, status, "request %d: %s", i, body)
		require.JSONEq(t, `{"statusCode":4,"statusMessage":"Service unavailable, try again"}`, body)
		require.Less(t, took, 2*time.Second, "fails fast")
	}
	res, err := http.Get(s.base + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 503, res.StatusCode)

	p.restore()
	require.Eventually(t, func() bool {
		status, _ = s.post("/api/v2/me/facebooksessions/s1", "agent1", "correct horse", `{"operationName":"Complete"}`)
		return status == 200
	}, 15*time.Second, 200*time.Millisecond, "the process recovers by itself")
	res, err = http.Get(s.base + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
}

// SIGTERM with requests in flight: they finish, the notifier flushes what
// they committed, and the process exits cleanly.
func TestGracefulShutdownFinishesRequestsAndFlushes(t *testing.T) {
	t.Parallel()
	dbURL := postgrestest.SchemaURL(t)
	// A NATS server that outlives the service, to look at the stream after.
	natsURL := natstest.RunServer(t, "", 0).ClientURL()
	s := startDaemon(t, buildBinaries(t), dbURL, natsURL)
	const n = 100
	s.seed(dbURL, n)

	var wg sync.WaitGroup
	statuses := make(chan int, n)
	firstDone := make(chan struct{})
	var once sync.Once
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := s.post(fmt.Sprintf("/api/v2/me/facebooksessions/s%d", i), "agent1", "correct horse", `{"operationName":"Complete"}`)
			statuses <- status
			once.Do(func() { close(firstDone) })
		}()
	}
	<-firstDone // stop while the others are in flight or not yet sent
	require.NoError(t, s.stop(), "a clean exit")
	wg.Wait()
	close(statuses)
	ok := 0
	for status := range statuses {
		require.Contains(t, []int{200, 0}, status, "finished, or refused before it started; never cut")
		if status == 200 {
			ok++
		}
	}
	require.Positive(t, ok)
	// The notifications of the intakes and of every acknowledged Complete
	// were flushed into the stream before the exit.
	stream := notificationStream(t, natsURL)
	users, integration, err := notificationCounts(context.Background(), stream, subjectPrefix)
	require.NoError(t, err)
	require.Equal(t, uint64(n+ok), users)
	require.Equal(t, uint64(n+ok), integration, "and the same to the integration side")
	var committed int
	for _, line := range strings.Split(strings.TrimSpace(s.cli(dbURL, "", "export")), "\n") {
		if strings.Contains(line, `"type":"InteractionCompleted"`) {
			committed++
		}
	}
	require.Equal(t, ok, committed, "every 200 is in the log")
}

// Passwords and Authorization headers never reach the logs, even at debug.
func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Parallel()
	dbURL := postgrestest.SchemaURL(t)
	s := startDaemon(t, buildBinaries(t), dbURL, "", "FBSESSION_LOG_LEVEL=debug", "FBSESSION_LOG_FORMAT=json")
	s.seed(dbURL, 1)
	s.post("/api/v2/me/facebooksessions/s0", "agent1", "correct horse", `{"operationName":"Complete"}`)
	s.post("/api/v2/me/facebooksessions/s0", "agent1", "wrong horse", `{"operationName":"Complete"}`)
	s.post("/api/v2/me/facebooksessions/s0", "agent1", "correct horse", `{"operationName":"Complete","queueName":"x"}`, "Authorization", "Bearer secret-token")
	_ = s.stop()

	logs, err := os.ReadFile(s.log)
	require.NoError(t, err)
	out := string(logs)
	require.Contains(t, out, `"msg":"request"`, "debug request logs were written")
	for _, secret := range []string{"correct horse", "wrong horse", "router secret", "secret-token",
		base64.StdEncoding.EncodeToString([]byte("agent1:correct horse")), "Authorization", "Basic "} {
		require.NotContains(t, out, secret)
	}
}

// NATS stops for a while under load: every request still succeeds, and once
// NATS is back every notification arrives, none twice.
func TestNATSOutageUnderLoad(t *testing.T) {
	t.Parallel()
	dbURL := postgrestest.SchemaURL(t)
	natsDir := t.TempDir()
	ns := natstest.RunServer(t, natsDir, 0)
	natsURL := ns.ClientURL()
	s := startDaemon(t, buildBinaries(t), dbURL, natsURL)
	const n = 120
	s.seed(dbURL, n)

	var wg sync.WaitGroup
	var stopped sync.Once
	for i := 0; i < n; i++ {
		if i == n/3 {
			stopped.Do(func() { ns.Shutdown(); ns.WaitForShutdown() })
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := s.post(fmt.Sprintf("/api/v2/me/facebooksessions/s%d", i), "agent1", "correct horse", `{"operationName":"Complete"}`)
			require.Equal(t, 200, status, "requests never wait for NATS: %s", body)
		}()
		if i%10 == 0 {
			wg.Wait()
		}
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond) // NATS stays away a while
	port := strings.TrimPrefix(natsURL, "nats://127.0.0.1:")
	var p int
	_, err := fmt.Sscanf(port, "%d", &p)
	require.NoError(t, err)
	natstest.RunServer(t, natsDir, p)

	stream := notificationStream(t, natsURL)
	require.Eventually(t, func() bool {
		users, integration, err := notificationCounts(context.Background(), stream, subjectPrefix)
		return err == nil && users >= 2*n && integration >= 2*n
	}, 30*time.Second, 100*time.Millisecond, "the notifier catches up")
	users, integration, err := notificationCounts(context.Background(), stream, subjectPrefix)
	require.NoError(t, err)
	require.Equal(t, uint64(2*n), users, "none twice")
	require.Equal(t, uint64(2*n), integration, "none twice to the integration side")
}
