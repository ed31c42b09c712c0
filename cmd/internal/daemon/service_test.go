package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/cmd/internal/daemon"
)

// service is a running fbsessiond for a test.
type service struct {
	t       *testing.T
	cfg     config.Config
	base    string
	admin   string // empty without an admin address
	natsURL string
	stop    context.CancelFunc
	done    chan error
}

func startService(t *testing.T, cfg config.Config, log *slog.Logger) *service {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	s := &service{t: t, cfg: cfg, stop: stop, done: make(chan error, 1)}
	addr := make(chan daemon.Addresses, 1)
	go func() {
		s.done <- daemon.Run(ctx, &s.cfg, log, func(a daemon.Addresses) { addr <- a })
	}()
	select {
	case a := <-addr:
		s.base, s.natsURL = "http://"+a.HTTP, a.NATS
		if a.Admin != "" {
			s.admin = "http://" + a.Admin
		}
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
