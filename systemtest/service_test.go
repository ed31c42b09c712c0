package systemtest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// service is an fbsessiond as its users reach it: the API at base, and
// fbsessionctl on its store.
type service struct {
	t      *testing.T
	ctl    string // the fbsessionctl binary
	ctlDir string // fbsessionctl's data directory
	base   string
}

// serviceAt is the fbsessiond serving at addr, for t.
func (b binaries) serviceAt(t *testing.T, addr string) *service {
	return &service{t: t, ctl: b.ctl, ctlDir: t.TempDir(), base: "http://" + addr}
}

// cli runs fbsessionctl on the service's store (through dbURL) and
// returns what it printed.
func (s *service) cli(dbURL, stdin string, args ...string) string {
	s.t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(s.ctl, append(args, "--data-dir", s.ctlDir, "--database-url", dbURL, "--bcrypt-cost", "4", "--log-level", "error")...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errOut
	require.NoError(s.t, cmd.Run(), errOut.String())
	return out.String()
}

// seed adds the agent a1 (agent1, "correct horse") and the integration
// user router ("router secret"), and hands a1 sessions s0, s1... in chat.
func (s *service) seed(dbURL string, sessions int) {
	s.t.Helper()
	s.cli(dbURL, "correct horse\n", "users", "add", "a1", "--name", "agent1", "--role", "agent", "--feature", "api-multimedia", "--password-stdin")
	s.cli(dbURL, "router secret\n", "users", "add", "router", "--name", "router", "--role", "integration", "--password-stdin")
	for i := 0; i < sessions; i++ {
		res, body := s.post("/api/v2/facebooksessions", "router", "router secret", fmt.Sprintf(`{"id":"s%d","agentId":"a1","state":"Chatting"}`, i))
		require.Equal(s.t, 201, res, body)
	}
}

// post sends a JSON body as user, with headers as name, value pairs, and
// returns the status and body; 0 and the error when there is no answer.
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

// ready tells whether the service answers /readyz with 200.
func (s *service) ready() bool {
	res, err := http.Get(s.base + "/readyz")
	if err == nil {
		res.Body.Close()
	}
	return err == nil && res.StatusCode == 200
}

// daemon is an fbsessiond the test started as a child process.
type daemon struct {
	*child
	*service
	natsURL string
}

// Every fbsessiond of the tests publishes with fbsessiond's defaults.
const (
	subjectPrefix = "gws.v2"
	streamName    = "FBSESSION_NOTIFICATIONS"
)

// startDaemon starts fbsessiond on the store at dbURL and the NATS server
// at natsURL, or its in-process one if natsURL is "", with the tests'
// settings and then env; it returns once fbsessiond is ready.
func startDaemon(t *testing.T, bins binaries, dbURL, natsURL string, env ...string) *daemon {
	t.Helper()
	ports := freePorts(t, 2)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	dir := t.TempDir()
	settings := []string{
		"DATABASE_URL=" + dbURL, "FBSESSION_HTTP_ADDR=" + addr, "FBSESSION_DATA_DIR=" + filepath.Join(dir, "data"),
		"FBSESSION_LOG_LEVEL=error", "FBSESSION_LOG_FORMAT=text", "FBSESSION_BCRYPT_COST=4",
		"FBSESSION_STREAM_RETENTION=1h", "FBSESSION_DUPLICATE_WINDOW=1m", "FBSESSION_REQUEST_TIMEOUT=1500ms",
		"FBSESSION_ADMIN_ADDR=", // off: the default address would be shared by every test
	}
	d := &daemon{natsURL: natsURL, service: bins.serviceAt(t, addr)}
	if natsURL == "" {
		d.natsURL = fmt.Sprintf("nats://127.0.0.1:%d", ports[1])
		settings = append(settings, "NATS_URL=", fmt.Sprintf("FBSESSION_NATS_LISTEN=127.0.0.1:%d", ports[1]))
	} else {
		settings = append(settings, "NATS_URL="+natsURL)
	}
	d.child = &child{t: t, name: "fbsessiond", args: []string{bins.daemon},
		env: append(settings, env...), log: filepath.Join(dir, "fbsessiond.log")}
	d.start()
	t.Cleanup(d.kill)
	if !assert.Eventually(t, d.ready, 30*time.Second, 50*time.Millisecond, "fbsessiond ready") {
		t.Fatal(d.tail())
	}
	return d
}
