package systemtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

// Three nats-server processes clustered with the notifications at R3, and
// three fbsessiond on one PostgreSQL schema, under a load of Completes
// spread over them whose clients retry with an Idempotency-Key. During the
// load the test SIGKILLs the fbsessiond holding the publishing lease, the
// stream's leader node, and another fbsessiond, and brings each back.
// Every acknowledged request is in the log once; every change is in the
// stream once, in order per session; the log verifies; the lease moved.
func TestClusterKillsUnderLoad(t *testing.T) {
	t.Parallel()
	sessions, pace, rounds := 300, 20*time.Second, 1
	if longTests() {
		sessions, pace, rounds = 3000, 90*time.Second, 3
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute+2*pace)
	defer cancel()
	c := startCluster(ctx, t)
	c.members[0].svc.seed(c.dbURL, sessions)
	t.Logf("cluster up and %d sessions seeded in %s", sessions, time.Since(start).Round(time.Millisecond))

	l := c.startLoad(ctx, cancel, sessions, pace)
	k := c.killRounds(ctx, l, rounds)
	l.wg.Wait()
	require.False(t, t.Failed())
	l.requireAcknowledged(t)
	for _, m := range c.members {
		m.waitReady(60 * time.Second)
	}
	t.Logf("load done in %s", time.Since(l.start).Round(time.Millisecond))

	completions := checkCompletions(ctx, t, c.conn, l.acknowledged)
	changes := c.logChanges(ctx, sessions)
	seen, outOfOrder := c.checkStream(ctx, changes)

	// The log verifies.
	c.members[0].svc.cli(c.dbURL, "", "verify")
	t.Logf("Completes attempted %d (%d failed and were retried), acknowledged %d, in the log %d; "+
		"changes in the log %d, in the stream %d, out-of-order pairs %d; kills survived %v; "+
		"lease take-overs %v (first publish after %v); stream leader elections %v; total %s",
		l.attempts.Load(), l.retried.Load(), l.done.Load(), completions, len(changes), seen, outOfOrder, k.kills,
		rounded(k.takeovers), rounded(k.firstPublishes), rounded(k.elections), time.Since(start).Round(time.Millisecond))
}

// cluster is the cluster test's processes, and its own views of them: the
// stream through the NATS cluster, the log through conn.
type cluster struct {
	t       *testing.T
	dbURL   string
	nodes   []*natsNode
	members []*member
	byApp   map[string]*member // by application_name
	conn    *pgx.Conn
	stream  jetstream.Stream
}

// startCluster starts the NATS cluster and the three fbsessiond, and
// returns once they are ready and fbsessiond has made the stream.
func startCluster(ctx context.Context, t *testing.T) *cluster {
	t.Helper()
	c := &cluster{t: t, dbURL: postgrestest.SchemaURL(t), byApp: map[string]*member{}}
	natsBin := natsServerBin(t)
	bins := buildBinaries(t)
	var natsURLs string
	c.nodes, natsURLs = startNATSCluster(t, natsBin)
	js := c.connectNATS(ctx, natsURLs)
	conn, err := pgx.Connect(ctx, c.dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	c.conn = conn
	c.startMembers(bins, natsURLs)
	require.Eventually(t, func() bool {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		c.stream, err = js.Stream(sctx, "FBSESSION_NOTIFICATIONS")
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "fbsessiond made the stream")
	require.Equal(t, 3, c.stream.CachedInfo().Config.Replicas, "fbsessiond made the stream R3")
	return c
}

// connectNATS is the test's JetStream through the cluster, once the
// cluster has a meta leader.
func (c *cluster) connectNATS(ctx context.Context, natsURLs string) jetstream.JetStream {
	t := c.t
	t.Helper()
	nc, err := nats.Connect(natsURLs, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond),
		nats.RetryOnFailedConnect(true), nats.Timeout(2*time.Second))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	if !assert.Eventually(t, func() bool {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := js.AccountInfo(actx)
		return err == nil
	}, 60*time.Second, 200*time.Millisecond, "JetStream cluster up") {
		t.Fatalf("%s\n%s\n%s", c.nodes[0].tail(), c.nodes[1].tail(), c.nodes[2].tail())
	}
	return js
}

// startMembers starts three fbsessiond, the first alone until it has
// migrated the schema.
func (c *cluster) startMembers(bins binaries, natsURLs string) {
	t := c.t
	t.Helper()
	var key [32]byte
	_, _ = rand.Read(key[:])
	tag := hex.EncodeToString(key[:3])
	ports := freePorts(t, 3)
	dir := t.TempDir()
	for i := range 3 {
		app := fmt.Sprintf("fbsc%s-%d", tag, i)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[i]))
		m := &member{app: app, child: &child{t: t, name: fmt.Sprintf("fbsessiond-%d", i),
			args: []string{bins.daemon}, log: filepath.Join(dir, fmt.Sprintf("fbsessiond-%d.log", i)), env: []string{
				"DATABASE_URL=" + c.dbURL + "&application_name=" + app, "NATS_URL=" + natsURLs,
				"FBSESSION_HTTP_ADDR=" + addr, "FBSESSION_DATA_DIR=" + filepath.Join(dir, fmt.Sprintf("data%d", i)),
				"FBSESSION_STREAM_REPLICAS=3", "FBSESSION_MSGID_KEY=" + hex.EncodeToString(key[:]),
				"FBSESSION_LOG_LEVEL=warn", "FBSESSION_BCRYPT_COST=4", "FBSESSION_ADMIN_ADDR=",
			}}}
		m.svc = bins.serviceAt(t, addr)
		m.start()
		t.Cleanup(m.kill)
		if i == 0 {
			m.waitReady(60 * time.Second)
		}
		c.members = append(c.members, m)
		c.byApp[app] = m
	}
	for _, m := range c.members {
		m.waitReady(60 * time.Second)
	}
}

// clusterLoad is the cluster test's clients.
type clusterLoad struct {
	*completes
	start time.Time
	pace  time.Duration
	// killsDone is closed when the killer is done, which the last 20% of
	// the Completes wait for.
	killsDone chan struct{}
	wg        sync.WaitGroup
}

// startLoad starts the clients: the first 80% of the Completes paced over
// pace, the rest once the killer is done, so that every kill happens under
// load. Each Complete goes to the next fbsessiond, and is retried with its
// key on the next one until it is answered. On a failure, cancel stops
// them before the processes go.
func (c *cluster) startLoad(ctx context.Context, cancel context.CancelFunc, sessions int, pace time.Duration) *clusterLoad {
	l := &clusterLoad{completes: newCompletes(sessions), start: time.Now(), pace: pace, killsDone: make(chan struct{})}
	c.t.Cleanup(func() { cancel(); l.wg.Wait() })
	for range 8 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i, ok := l.claim(); ok; i, ok = l.claim() {
				if !l.waitTurn(ctx, i) || !c.complete(ctx, l, i) {
					return
				}
			}
		}()
	}
	return l
}

// waitTurn waits for session i's time in the pace, or for the killer to
// be done; false if ctx ended first.
func (l *clusterLoad) waitTurn(ctx context.Context, i int64) bool {
	paced := int64(len(l.acknowledged)) * 4 / 5
	if i >= paced {
		select {
		case <-l.killsDone:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if wait := time.Until(l.start.Add(l.pace * time.Duration(i) / time.Duration(paced))); wait > 0 {
		time.Sleep(wait)
	}
	return true
}

// complete sends session i's Complete to one fbsessiond after the other
// until one answers it or ctx ends; false, with the test failed, if an
// answer is wrong.
func (c *cluster) complete(ctx context.Context, l *clusterLoad, i int64) bool {
	for n := int(i); ctx.Err() == nil; n++ {
		status, body := l.send(c.members[n%3].svc, i)
		if status == 200 {
			if err := l.acknowledge(i, body); err != nil {
				c.t.Errorf("s%d: %v: %s", i, err, body)
				return false
			}
			return true
		}
		if status != 0 && status != 503 {
			c.t.Errorf("s%d: only unavailability is retried: %d %s", i, status, body)
			return false
		}
		l.retried.Add(1)
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
