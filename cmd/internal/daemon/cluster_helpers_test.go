package daemon_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// natsServerBin is the nats-server binary the cluster tests run as
// separate processes (Debian's 2.9 in CI); it fails the test under CI
// when there is none, and skips it elsewhere.
func natsServerBin(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"nats-server", "/usr/sbin/nats-server"} {
		if bin, err := exec.LookPath(p); err == nil {
			return bin
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("nats-server is not installed: CI must run the cluster test (apt-get install nats-server)")
	}
	t.Skip("nats-server is not installed: skipping the cluster test (bash .ci/run installs it)")
	return ""
}

// freePorts returns n loopback ports free at the time of the call, below
// the kernel's ephemeral range when it can: a process killed and started
// again needs its port back, and an outgoing connection of another test
// could otherwise have been given it meanwhile.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil {
				low = v
			}
		}
	}
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		addr := "127.0.0.1:0"
		if low > 11024 && tries < 1000 {
			addr = fmt.Sprintf("127.0.0.1:%d", 10024+mrand.IntN(low-11024))
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// child is a process of the cluster test, killed and started again with
// the same command; its output is appended to log.
type child struct {
	t    *testing.T
	name string
	args []string
	env  []string
	log  string
	cmd  *exec.Cmd
}

func (c *child) start() {
	c.t.Helper()
	f, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(c.t, err)
	defer f.Close()
	fmt.Fprintf(f, "=== start %s\n", time.Now().Format(time.RFC3339Nano))
	c.cmd = exec.Command(c.args[0], c.args[1:]...)
	c.cmd.Env = append(os.Environ(), c.env...)
	c.cmd.Stdout, c.cmd.Stderr = f, f
	dieWithTest(c.cmd)
	require.NoError(c.t, c.cmd.Start())
}

// kill SIGKILLs the process, if it runs.
func (c *child) kill() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
	c.cmd = nil
}

// tail is the end of the process's output, for a failure's message.
func (c *child) tail() string {
	b, _ := os.ReadFile(c.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return fmt.Sprintf("--- %s (%s):\n%s", c.name, c.log, b)
}

// natsNode is one nats-server of a three-node JetStream cluster on
// loopback, with its own store.
type natsNode struct {
	*child
	port int
}

// startNATSCluster starts three clustered nats-server processes and
// returns them and the client URLs, comma-separated, once JetStream has
// a meta leader.
func startNATSCluster(t *testing.T, bin string) ([]*natsNode, string) {
	t.Helper()
	ports := freePorts(t, 6)
	dir := t.TempDir()
	var nodes []*natsNode
	var urls []string
	for i := range 3 {
		var routes []string
		for j := range 3 {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[3+j]))
			}
		}
		store := filepath.Join(dir, fmt.Sprintf("n%d", i))
		conf := filepath.Join(dir, fmt.Sprintf("n%d.conf", i))
		require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`server_name: n%d
listen: 127.0.0.1:%d
jetstream { store_dir: %q }
cluster {
  name: fbsession-test
  listen: 127.0.0.1:%d
  routes: [%s]
}
`, i, ports[i], store, ports[3+i], strings.Join(routes, ", "))), 0o600))
		n := &natsNode{port: ports[i], child: &child{t: t, name: fmt.Sprintf("n%d", i),
			args: []string{bin, "-c", conf}, log: filepath.Join(dir, fmt.Sprintf("n%d.log", i))}}
		n.start()
		t.Cleanup(n.kill)
		nodes = append(nodes, n)
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", ports[i]))
	}
	return nodes, strings.Join(urls, ",")
}

// member is one fbsessiond of the cluster test.
type member struct {
	*child
	svc *service
	app string // its connections' application_name in PostgreSQL
}

func (m *member) waitReady(within time.Duration) {
	m.t.Helper()
	if !assert.Eventually(m.t, func() bool {
		res, err := http.Get(m.svc.base + "/readyz")
		if err == nil {
			res.Body.Close()
		}
		return err == nil && res.StatusCode == 200
	}, within, 50*time.Millisecond, "%s ready", m.name) {
		m.t.Fatal(m.tail())
	}
}

// metric is the value of an unlabelled or single-series metric on the
// member's /metrics, 0 when absent or unreachable.
func (m *member) metric(name string) float64 {
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get(m.svc.base + "/metrics")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(res.Body, 4<<20))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+" ") && !strings.HasPrefix(line, name+"{") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err == nil {
			return v
		}
	}
	return 0
}

// leaseHolderSQL names the connection holding the notifier's lease in
// the schema: a session advisory lock on one bigint (objsubid 1, its
// halves in classid and objid), keyed as eventstore/postgres keys it.
const leaseHolderSQL = `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
	WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
	  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
	  AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('fbsession/lease/' || current_schema() || '/notifier', 0)`

// leaseHolder returns the application_name of the lease's holder, "" when
// nobody holds it.
func leaseHolder(ctx context.Context, conn *pgx.Conn) (string, error) {
	var app string
	err := conn.QueryRow(ctx, leaseHolderSQL).Scan(&app)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return app, err
}
