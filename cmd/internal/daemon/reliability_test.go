package daemon_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/cmd/internal/daemon"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/projections/natstest"
)

// service is a running fbsessiond for a test.
type service struct {
	t       *testing.T
	cfg     config.Config
	base    string
	natsURL string
	stop    context.CancelFunc
	done    chan error
}

func startService(t *testing.T, cfg config.Config, log *slog.Logger) *service {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	s := &service{t: t, cfg: cfg, stop: stop, done: make(chan error, 1)}
	addr := make(chan [2]string, 1)
	go func() {
		s.done <- daemon.Run(ctx, &s.cfg, log, func(h, n string) { addr <- [2]string{h, n} })
	}()
	select {
	case a := <-addr:
		s.base, s.natsURL = "http://"+a[0], a[1]
	case err := <-s.done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop()
		select {
		case <-s.done:
		case <-time.After(daemon.ShutdownTimeout + 5*time.Second):
			t.Error("no shutdown")
		}
	})
	return s
}

func testConfig(t *testing.T, databaseURL string) config.Config {
	return config.Config{
		DataDir: t.TempDir(), DatabaseURL: databaseURL, NATSListen: "127.0.0.1:-1", HTTPAddr: "127.0.0.1:0",
		SubjectPrefix: "gws.v2", LogLevel: "error", LogFormat: "text", BcryptCost: 4,
		Stream: "FBSESSION_NOTIFICATIONS", Retention: time.Hour, DuplicateWindow: time.Minute,
		RequestTimeout: 1500 * time.Millisecond,
	}
}

// cli runs fbsessionctl on the service's store (through dbURL).
func (s *service) cli(dbURL, stdin string, args ...string) string {
	s.t.Helper()
	var out, errOut bytes.Buffer
	c := &ctl.CLI{Out: &out, Err: &errOut, In: strings.NewReader(stdin)}
	cmd := c.Command()
	cmd.SetArgs(append(args, "--data-dir", s.cfg.DataDir, "--database-url", dbURL, "--bcrypt-cost", "4", "--log-level", "error"))
	require.NoError(s.t, cmd.ExecuteContext(context.Background()), errOut.String())
	return out.String()
}

func (s *service) seed(dbURL string, sessions int) {
	s.t.Helper()
	s.cli(dbURL, "correct horse\n", "users", "add", "a1", "--name", "agent1", "--role", "agent", "--feature", "api-multimedia", "--password-stdin")
	s.cli(dbURL, "router secret\n", "users", "add", "router", "--name", "router", "--role", "integration", "--password-stdin")
	for i := 0; i < sessions; i++ {
		res, body := s.post("/api/v2/facebooksessions", "router", "router secret", fmt.Sprintf(`{"id":"s%d","agentId":"a1","state":"Chatting"}`, i))
		require.Equal(s.t, 201, res, body)
	}
}

func (s *service) post(path, user, password, body string, headers ...string) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(user, password)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

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

	s := startService(t, testConfig(t, proxied.String()), discardLogger())
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
	cfg := testConfig(t, dbURL)
	// A NATS server that outlives the service, to look at the stream after.
	cfg.NATSURL = natstest.RunServer(t, "", 0).ClientURL()
	s := startService(t, cfg, discardLogger())
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
	s.stop()
	require.NoError(t, <-s.done, "a clean exit")
	s.done <- nil // for the cleanup
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
	stream := notificationStream(t, &cfg, cfg.NATSURL)
	users, integration, err := notificationCounts(context.Background(), stream, cfg.SubjectPrefix)
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
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dbURL := postgrestest.SchemaURL(t)
	cfg := testConfig(t, dbURL)
	cfg.LogLevel = "debug"
	s := startService(t, cfg, log)
	s.seed(dbURL, 1)
	s.post("/api/v2/me/facebooksessions/s0", "agent1", "correct horse", `{"operationName":"Complete"}`)
	s.post("/api/v2/me/facebooksessions/s0", "agent1", "wrong horse", `{"operationName":"Complete"}`)
	s.post("/api/v2/me/facebooksessions/s0", "agent1", "correct horse", `{"operationName":"Complete","queueName":"x"}`, "Authorization", "Bearer secret-token")
	s.stop()
	<-s.done
	s.done <- nil

	out := logs.String()
	require.Contains(t, out, `"msg":"request"`, "debug request logs were written")
	for _, secret := range []string{"correct horse", "wrong horse", "router secret", "secret-token",
		base64.StdEncoding.EncodeToString([]byte("agent1:correct horse")), "Authorization", "Basic "} {
		require.NotContains(t, out, secret)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// NATS stops for a while under load: every request still succeeds, and once
// NATS is back every notification arrives, none twice.
func TestNATSOutageUnderLoad(t *testing.T) {
	t.Parallel()
	dbURL := postgrestest.SchemaURL(t)
	natsDir := t.TempDir()
	ns := natstest.RunServer(t, natsDir, 0)
	natsURL := ns.ClientURL()
	cfg := testConfig(t, dbURL)
	cfg.NATSURL = natsURL
	s := startService(t, cfg, discardLogger())
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

	stream := notificationStream(t, &cfg, natsURL)
	require.Eventually(t, func() bool {
		users, integration, err := notificationCounts(context.Background(), stream, cfg.SubjectPrefix)
		return err == nil && users >= 2*n && integration >= 2*n
	}, 30*time.Second, 100*time.Millisecond, "the notifier catches up")
	users, integration, err := notificationCounts(context.Background(), stream, cfg.SubjectPrefix)
	require.NoError(t, err)
	require.Equal(t, uint64(2*n), users, "none twice")
	require.Equal(t, uint64(2*n), integration, "none twice to the integration side")
}
