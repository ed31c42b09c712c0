package daemon_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	if longTests {
		sessions, pace, rounds = 3000, 90*time.Second, 3
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute+2*pace)
	defer cancel()
	dbURL := postgrestest.SchemaURL(t)
	natsBin := natsServerBin(t)
	daemonBin := buildDaemon(t)
	nodes, natsURLs := startNATSCluster(t, natsBin)

	// The test's own views: the stream through the cluster, the log.
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
		t.Fatalf("%s\n%s\n%s", nodes[0].tail(), nodes[1].tail(), nodes[2].tail())
	}
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })

	// Three fbsessiond, the first alone until it has migrated the schema.
	var key [32]byte
	_, _ = rand.Read(key[:])
	tag := hex.EncodeToString(key[:3])
	ports := freePorts(t, 3)
	dir := t.TempDir()
	var members []*member
	byApp := map[string]*member{}
	for i := range 3 {
		app := fmt.Sprintf("fbsc%s-%d", tag, i)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[i]))
		m := &member{app: app, child: &child{t: t, name: fmt.Sprintf("fbsessiond-%d", i),
			args: []string{daemonBin}, log: filepath.Join(dir, fmt.Sprintf("fbsessiond-%d.log", i)), env: []string{
				"DATABASE_URL=" + dbURL + "&application_name=" + app, "NATS_URL=" + natsURLs,
				"FBSESSION_HTTP_ADDR=" + addr, "FBSESSION_DATA_DIR=" + filepath.Join(dir, fmt.Sprintf("data%d", i)),
				"FBSESSION_STREAM_REPLICAS=3", "FBSESSION_MSGID_KEY=" + hex.EncodeToString(key[:]),
				"FBSESSION_LOG_LEVEL=warn", "FBSESSION_BCRYPT_COST=4",
			}}}
		m.svc = &service{t: t, cfg: testConfig(t, dbURL), base: "http://" + addr}
		m.start()
		t.Cleanup(m.kill)
		if i == 0 {
			m.waitReady(60 * time.Second)
		}
		members = append(members, m)
		byApp[app] = m
	}
	for _, m := range members {
		m.waitReady(60 * time.Second)
	}
	var stream jetstream.Stream
	require.Eventually(t, func() bool {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		stream, err = js.Stream(sctx, "FBSESSION_NOTIFICATIONS")
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "fbsessiond made the stream")
	require.Equal(t, 3, stream.CachedInfo().Config.Replicas, "fbsessiond made the stream R3")
	members[0].svc.seed(dbURL, sessions)
	t.Logf("cluster up and %d sessions seeded in %s", sessions, time.Since(start).Round(time.Millisecond))

	// Clients: the first 80% of the Completes paced over pace, the rest
	// once the killer is done, so that every kill happens under load. Each
	// Complete goes to the next fbsessiond, and is retried with its key on
	// the next one until it is answered.
	acknowledged := make([]int64, sessions)
	var next, done, attempts, retried atomic.Int64
	killsDone := make(chan struct{})
	loadStart := time.Now()
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() }) // on a failure, before the processes go
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(sessions); i = next.Add(1) - 1 {
				if i >= int64(sessions)*4/5 {
					select {
					case <-killsDone:
					case <-ctx.Done():
						return
					}
				} else if wait := time.Until(loadStart.Add(pace * time.Duration(i) / time.Duration(sessions*4/5))); wait > 0 {
					time.Sleep(wait)
				}
				for n := int(i); ctx.Err() == nil; n++ {
					attempts.Add(1)
					status, body := members[n%3].svc.post(fmt.Sprintf("/api/v2/me/facebooksessions/s%d", i), "agent1", "correct horse",
						`{"operationName":"Complete"}`, "Idempotency-Key", fmt.Sprintf("complete-s%d", i))
					if status == 200 {
						var r struct{ ReferenceID int64 }
						if err := json.Unmarshal([]byte(body), &r); err != nil {
							t.Errorf("s%d: %v: %s", i, err, body)
							return
						}
						acknowledged[i] = r.ReferenceID
						done.Add(1)
						break
					}
					if status != 0 && status != 503 {
						t.Errorf("s%d: only unavailability is retried: %d %s", i, status, body)
						return
					}
					retried.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}

	// The killer: rounds of three kills, each brought back.
	var takeovers, firstPublishes, elections []time.Duration
	kills := map[string]int{}
	func() {
		defer close(killsDone)
		step := 0
		nextStep := func() { // paced over the first 80% of the load
			step++
			select {
			case <-time.After(time.Until(loadStart.Add(pace * time.Duration(step) / time.Duration(3*rounds+1)))):
			case <-ctx.Done():
			}
		}
		for range rounds {
			// 1. The fbsessiond holding the publishing lease.
			nextStep()
			var old *member
			require.Eventually(t, func() bool {
				h, err := leaseHolder(ctx, conn)
				old = byApp[h]
				return err == nil && old != nil
			}, 30*time.Second, 20*time.Millisecond, "one of the fbsessiond holds the lease")
			published := map[*member]float64{}
			for _, m := range members {
				published[m] = m.metric("fbsession_notifications_published_total")
			}
			killedAt, at := time.Now(), done.Load()
			old.kill()
			var heir *member
			require.Eventually(t, func() bool {
				h, err := leaseHolder(ctx, conn)
				heir = byApp[h]
				return err == nil && heir != nil && heir != old
			}, 30*time.Second, 20*time.Millisecond, "another fbsessiond takes the lease")
			takeovers = append(takeovers, time.Since(killedAt))
			require.Eventually(t, func() bool {
				return heir.metric("fbsession_notifications_published_total") > published[heir]
			}, 30*time.Second, 20*time.Millisecond, "%s publishes after the take-over", heir.name)
			firstPublishes = append(firstPublishes, time.Since(killedAt))
			kills["lease holder"]++
			t.Logf("killed %s holding the lease at %d acknowledged; %s took it in %s and published after %s", old.name, at,
				heir.name, takeovers[len(takeovers)-1].Round(time.Millisecond), firstPublishes[len(firstPublishes)-1].Round(time.Millisecond))
			old.start()

			// 2. The stream's leader node, once every replica is current.
			nextStep()
			var leader string
			var node *natsNode
			require.Eventually(t, func() bool {
				ictx, cancel := context.WithTimeout(ctx, time.Second)
				defer cancel()
				info, err := stream.Info(ictx)
				if err != nil || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
					return false
				}
				for _, r := range info.Cluster.Replicas {
					if !r.Current {
						return false
					}
				}
				leader = info.Cluster.Leader
				for _, n := range nodes {
					if n.name == leader {
						node = n
					}
				}
				return node != nil
			}, 60*time.Second, 50*time.Millisecond, "the stream has a leader and two current replicas")
			killedAt, at = time.Now(), done.Load()
			node.kill()
			require.Eventually(t, func() bool {
				ictx, cancel := context.WithTimeout(ctx, time.Second)
				defer cancel()
				info, err := stream.Info(ictx)
				return err == nil && info.Cluster != nil && info.Cluster.Leader != "" && info.Cluster.Leader != leader
			}, 30*time.Second, 50*time.Millisecond, "the stream elects another leader")
			elections = append(elections, time.Since(killedAt))
			kills["stream leader"]++
			t.Logf("killed the stream's leader %s at %d acknowledged; a new leader in %s", leader, at,
				elections[len(elections)-1].Round(time.Millisecond))

			// 3. Another fbsessiond, not the lease's holder.
			nextStep()
			holder, err := leaseHolder(ctx, conn)
			require.NoError(t, err)
			var other *member
			for _, m := range members {
				if m.app != holder {
					other = m
				}
			}
			t.Logf("killed %s (lease at %q) at %d acknowledged", other.name, holder, done.Load())
			other.kill()
			kills["other fbsessiond"]++
			time.Sleep(200 * time.Millisecond)
			other.start()

			// The NATS node comes back while the load goes on.
			node.start()
		}
	}()
	wg.Wait()
	require.False(t, t.Failed())
	for i, ref := range acknowledged {
		require.Positive(t, ref, "s%d was never acknowledged", i)
	}
	for _, m := range members {
		m.waitReady(60 * time.Second)
	}
	t.Logf("load done in %s", time.Since(loadStart).Round(time.Millisecond))

	// The log: one completion per session, with the referenceId answered;
	// and its changes (one per append), each to be notified once.
	rows, err := conn.Query(ctx, `SELECT stream_id, count(*), min((metadata::json->>'referenceId')::bigint)
		FROM events WHERE event_type IN ('InteractionCompleted', 'QueuedTo') GROUP BY stream_id`)
	require.NoError(t, err)
	completions := 0
	for rows.Next() {
		var streamID string
		var count, ref int64
		require.NoError(t, rows.Scan(&streamID, &count, &ref))
		require.Equal(t, int64(1), count, "%s completed %d times", streamID, count)
		i, err := strconv.Atoi(strings.TrimPrefix(streamID, "facebooksession-s"))
		require.NoError(t, err)
		require.Equal(t, acknowledged[i], ref, "%s: the log holds the referenceId that was answered", streamID)
		completions++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, sessions, completions)
	changes := map[int64]string{} // position of a change's last event: its session
	rows, err = conn.Query(ctx, `SELECT max(position), stream_id FROM events
		WHERE stream_id LIKE 'facebooksession-%' GROUP BY stream_id, transaction_id`) // not the users' changes
	require.NoError(t, err)
	for rows.Next() {
		var pos int64
		var streamID string
		require.NoError(t, rows.Scan(&pos, &streamID))
		changes[pos] = strings.TrimPrefix(streamID, "facebooksession-")
	}
	require.NoError(t, rows.Err())
	require.Len(t, changes, 2*sessions, "an intake and a Complete per session")

	// The stream: once the publisher has caught up, every change once, in
	// the order of its session's versions; the replicas all current.
	var msgs uint64
	require.Eventually(t, func() bool {
		ictx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		info, err := stream.Info(ictx)
		if err != nil {
			return false
		}
		msgs = info.State.Msgs
		if msgs < uint64(2*len(changes)) || len(info.Cluster.Replicas) != 2 {
			return false
		}
		for _, r := range info.Cluster.Replicas {
			if !r.Current || r.Lag > 0 {
				return false
			}
		}
		return true
	}, 60*time.Second, 100*time.Millisecond, "the stream has every change and its replicas are current")
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	// A change is notified on its agent's subject and on the integration
	// side's: seen counts each, by position and kind of subject.
	type copyOf struct {
		pos         int64
		integration bool
	}
	seen := map[copyOf]int{}
	last := map[string]int64{} // subject: the last position read
	outOfOrder := 0
	for read := uint64(0); read < msgs; {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		n := 0
		for m := range batch.Messages() {
			n++
			pos, err := strconv.ParseInt(m.Headers().Get("Fbsession-Position"), 10, 64)
			require.NoError(t, err, "%s: %v", m.Subject(), m.Headers())
			seen[copyOf{pos, strings.Contains(m.Subject(), ".integration.")}]++
			session, ok := changes[pos]
			require.True(t, ok, "%s at position %d is no change of the log", m.Subject(), pos)
			require.True(t, strings.HasSuffix(m.Subject(), ".facebooksession."+session), "%s carries position %d of %s", m.Subject(), pos, session)
			if pos <= last[m.Subject()] {
				outOfOrder++
				t.Errorf("%s: position %d after %d", m.Subject(), pos, last[m.Subject()])
			}
			last[m.Subject()] = pos
		}
		require.NoError(t, batch.Error())
		require.Positive(t, n, "the stream gave %d of %d messages", read, msgs)
		read += uint64(n)
	}
	for c, n := range seen {
		require.Equal(t, 1, n, "the change at position %d is in the stream %d times (integration %v)", c.pos, n, c.integration)
	}
	require.Len(t, seen, 2*len(changes), "every change is in the stream, for its agent and the integration side")
	require.Equal(t, uint64(2*len(changes)), msgs, "and nothing else")

	// The log verifies.
	members[0].svc.cli(dbURL, "", "verify")
	t.Logf("Completes attempted %d (%d failed and were retried), acknowledged %d, in the log %d; "+
		"changes in the log %d, in the stream %d, out-of-order pairs %d; kills survived %v; "+
		"lease take-overs %v (first publish after %v); stream leader elections %v; total %s",
		attempts.Load(), retried.Load(), done.Load(), completions, len(changes), len(seen), outOfOrder, kills,
		rounded(takeovers), rounded(firstPublishes), rounded(elections), time.Since(start).Round(time.Millisecond))
}

func rounded(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
