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

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/cmd/internal/daemon"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

// The README's quick start, in-process: users and a session made with the
// CLI, Complete over HTTP, the session read back with the CLI; then a
// graceful stop.
func TestQuickStart(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			cfg := config.Config{
				DataDir: t.TempDir(), NATSListen: "127.0.0.1:-1", HTTPAddr: "127.0.0.1:0",
				SubjectPrefix: "gws.v2", LogLevel: "error", LogFormat: "text", BcryptCost: 4,
			}
			if store == "postgres" {
				cfg.DatabaseURL = postgrestest.SchemaURL(t)
			}
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

			ctx, stop := context.WithCancel(context.Background())
			addr := make(chan string, 1)
			done := make(chan error, 1)
			go func() {
				done <- daemon.Run(ctx, &cfg, discardLogger(), func(http, _ string) { addr <- http })
			}()
			var base string
			select {
			case a := <-addr:
				base = "http://" + a
			case err := <-done:
				t.Fatal(err)
			}

			out := cli("", "sessions", "create", "--file", "../../../../shared/fixtures/intake-seed.json")
			require.Contains(t, out, "/api/v2/facebooksessions/0002DaAVKJ0V0095")

			req, _ := http.NewRequest(http.MethodPost, base+"/api/v2/me/facebooksessions/0002DaAVKJ0V0095", strings.NewReader(`{"operationName":"Complete"}`))
			req.SetBasicAuth("agent1", "correct horse")
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			require.Equal(t, 200, res.StatusCode, "%s", body)
			require.Contains(t, string(body), `"referenceId":`)

			require.Contains(t, cli("", "sessions", "get", "0002DaAVKJ0V0095"), `"state": "Completed"`)
			require.Contains(t, cli("", "users", "list"), "agent1")

			res, err = http.Get(base + "/readyz")
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, 200, res.StatusCode)

			stop()
			select {
			case err := <-done:
				require.NoError(t, err, "graceful shutdown")
			case <-time.After(daemon.ShutdownTimeout + 5*time.Second):
				t.Fatal("no shutdown")
			}
		})
	}
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
