package daemon_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/cmd/internal/daemon"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/internal/seedfixtures"
)

// The README's quick start, in-process: users and a session made with the
// CLI, Complete over HTTP, the session read back with the CLI; then a
// graceful stop.
func TestQuickStart(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, dbURL string) {
		cfg := testConfig(t, dbURL)
		cli := func(stdin string, args ...string) string {
			t.Helper()
			var out, errOut bytes.Buffer
			c := &ctl.CLI{Out: &out, Err: &errOut, In: strings.NewReader(stdin)}
			cmd := c.Command()
			cmd.SetArgs(append(args, "--data-dir", cfg.DataDir, "--database-url", cfg.DatabaseURL,
				"--bcrypt-cost", "4", "--log-level", "error"))
			require.NoError(t, cmd.ExecuteContext(context.Background()), errOut.String())
			return out.String()
		}
		require.Contains(t, cli("", "migrate"), "schema at version")
		require.Equal(t, "user a1 added\n", cli("correct horse\n", "users", "add", "a1", "--name", "agent1", "--role", "agent", "--feature", "api-multimedia", "--password-stdin"))

		s := startService(t, cfg, discardLogger())
		base, natsURL := s.base, s.natsURL

		// fbsessionctl watch sees the intake's and the Complete's notifications.
		watching := make(chan struct{})
		watched := make(chan string, 1)
		go func() {
			var out bytes.Buffer
			c := &ctl.CLI{Out: &out, Err: &signalWriter{ch: watching}, In: strings.NewReader("")}
			cmd := c.Command()
			cmd.SetArgs([]string{"watch", "--user", "a1", "--json", "--count", "2", "--nats-listen", strings.TrimPrefix(natsURL, "nats://"), "--data-dir", cfg.DataDir})
			if err := cmd.ExecuteContext(context.Background()); err != nil {
				watched <- err.Error()
				return
			}
			watched <- out.String()
		}()
		<-watching

		// The stream exists from the start, before any change.
		notificationStream(t, &s.cfg, natsURL)

		out := cli("", "sessions", "create", "--file", seedfixtures.ChattingIntakeSeedFile(t))
		require.Contains(t, out, "/api/v2/facebooksessions/0002DaAVKJ0V0095")

		req, _ := http.NewRequest(http.MethodPost, base+"/api/v2/me/facebooksessions/0002DaAVKJ0V0095", strings.NewReader(`{"operationName":"Complete"}`))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth("agent1", "correct horse")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, 200, res.StatusCode, "%s", body)
		require.Contains(t, string(body), `"referenceId":`)

		require.Contains(t, cli("", "sessions", "get", "0002DaAVKJ0V0095"), `"state": "Completed"`)
		select {
		case out := <-watched:
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, 2, out)
			require.Contains(t, lines[0], `"state":"Chatting"`)
			require.Contains(t, lines[1], `"state":"Completed"`)
			require.Contains(t, lines[1], `"referenceId":`)
		case <-time.After(10 * time.Second):
			t.Fatal("watch saw no notifications")
		}

		// The gauge moves once the checkpoint is saved, just after the
		// acks that let the notifications out.
		var metrics []byte
		require.Eventually(t, func() bool {
			res, err := http.Get(base + "/metrics")
			require.NoError(t, err)
			metrics, _ = io.ReadAll(res.Body)
			res.Body.Close()
			return strings.Contains(string(metrics), `fbsession_projector_position{projector="notifier"}`)
		}, 5*time.Second, 20*time.Millisecond)
		require.Contains(t, string(metrics), `fbsession_http_request_duration_seconds_count{method="POST",route="/api/v2/me/facebooksessions/:id",status="200"} 1`)
		require.Contains(t, cli("", "users", "list"), "agent1")

		res, err = http.Get(base + "/readyz")
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, 200, res.StatusCode)

		s.stop()
		select {
		case err := <-s.done:
			require.NoError(t, err, "graceful shutdown")
			s.done <- nil // for the cleanup
		case <-time.After(daemon.ShutdownTimeout + 5*time.Second):
			t.Fatal("no shutdown")
		}
	})
}

func TestNATSPortTakenFailsAtOnce(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	cfg := config.Config{DataDir: t.TempDir(), NATSListen: l.Addr().String(), HTTPAddr: "127.0.0.1:0", BcryptCost: 4}
	start := time.Now()
	err = daemon.Run(context.Background(), &cfg, discardLogger(), nil)
	require.ErrorContains(t, err, "FBSESSION_NATS_LISTEN")
	require.ErrorContains(t, err, "NATS_URL")
	require.Less(t, time.Since(start), 10*time.Second)
	require.NoFileExists(t, filepath.Join(cfg.DataDir, "nats"))
}

// notificationStream is the JetStream stream of notifications of cfg on
// the NATS server at natsURL, as fbsessiond's user; the test fails if
// there is none.
func notificationStream(t *testing.T, cfg *config.Config, natsURL string) jetstream.Stream {
	t.Helper()
	stream, err := jetStream(t, cfg, natsURL).Stream(context.Background(), cfg.Stream)
	require.NoError(t, err)
	return stream
}

// forEachStore runs f in parallel subtests on SQLite and on PostgreSQL,
// with the database URL to configure: empty for SQLite, a fresh schema
// for PostgreSQL.
func forEachStore(t *testing.T, f func(t *testing.T, dbURL string)) {
	t.Helper()
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			dbURL := ""
			if store == "postgres" {
				dbURL = postgrestest.SchemaURL(t)
			}
			f(t, dbURL)
		})
	}
}

// jetStream is JetStream on the NATS server at natsURL, as the user
// fbsessiond of cfg publishes as; the connection is closed when t ends.
func jetStream(t *testing.T, cfg *config.Config, natsURL string) jetstream.JetStream {
	t.Helper()
	opts, err := natsconn.Options(cfg.NATS(), natsconn.Publisher)
	require.NoError(t, err)
	nc, err := nats.Connect(natsURL, opts...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return js
}
