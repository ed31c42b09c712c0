package systemtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
	if !assert.Eventually(m.t, m.svc.ready, within, 50*time.Millisecond, "%s ready", m.name) {
		m.t.Fatal(m.tail())
	}
}

// metric is the value of an unlabelled or single-series metric on the
// member's /metrics, 0 when absent or unreachable.
func (m *member) metric(name string) float64 { return metricAt(m.svc.base, name) }

// metricAt is the value of an unlabelled or single-series metric on the
// /metrics of the fbsessiond at base, 0 when absent or unreachable.
func metricAt(base, name string) float64 {
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get(base + "/metrics")
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
