package pgcluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/internal/pgcluster"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
)

// rewindLog is a log the notifier's goroutines write.
type rewindLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *rewindLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *rewindLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// rewindSide is what fbsessiond runs on the log: a store on the cluster's
// multi-host URL, the command handler, and the notifier under its runner,
// checking the stream against the log at each lease.
type rewindSide struct {
	store *postgres.Store
	cmds  *commands.Handler
	reg   *prometheus.Registry
	logs  *rewindLog
	stop  func()
}

// rewindBus is the NATS side: a stream of the test's own.
type rewindBus struct {
	js             jetstream.JetStream
	prefix, stream string
}

// startRewindSide starts fbsessiond's side; before runs on the store before
// the notifier does.
func startRewindSide(t *testing.T, c *pgcluster.Cluster, b rewindBus, before func(*postgres.Store)) *rewindSide {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, c.MultiHostURL("fb"))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s, err := postgres.New(pool, postgres.Config{Committers: 2, FailoverGap: 1_000_000})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(ctx)
	require.NoError(t, err)
	if before != nil {
		before(s)
	}
	sd := &rewindSide{store: s, cmds: commands.NewHandler(s), reg: prometheus.NewRegistry(), logs: &rewindLog{}}
	log := slog.New(slog.NewJSONHandler(sd.logs, nil))
	n, err := notifier.New(notifier.Config{
		JetStream: b.js, Store: s, Prefix: b.prefix, Stream: b.stream, BaseURL: "http://gws.test",
		Metrics: notifier.NewMetrics(sd.reg), Logger: log, Log: s,
		// One host: the clocks are one.
		ClockSkew: time.Millisecond,
	})
	require.NoError(t, err)
	require.NoError(t, n.EnsureStream(ctx))
	r, err := projections.NewRunner(projections.RunnerConfig{Name: "notifier", Store: s, Projector: n,
		LeaseRetry: 100 * time.Millisecond, RetryMin: 50 * time.Millisecond, RetryMax: 500 * time.Millisecond, Logger: log})
	require.NoError(t, err)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(rctx)
	}()
	var once sync.Once
	sd.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(sd.stop)
	return sd
}

func (s *rewindSide) counter(t *testing.T, name string) float64 {
	t.Helper()
	families, err := s.reg.Gather()
	require.NoError(t, err)
	for _, mf := range families {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// waitStored waits until the stream holds want messages, and returns them.
func (b rewindBus) waitStored(t *testing.T, want int) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	s, err := b.js.Stream(ctx, b.stream)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs >= uint64(want)
	}, 60*time.Second, 20*time.Millisecond, "the stream never held %d messages", want)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(want), info.State.Msgs)
	out := make([]*jetstream.RawStreamMsg, 0, want)
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

// waitRewindReplayed waits until the standby has replayed what the primary wrote.
func waitRewindReplayed(t *testing.T, c *pgcluster.Cluster) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, c.Primary.URL("fb"))
	require.NoError(t, err)
	defer pool.Close()
	require.Eventually(t, func() bool {
		var caughtUp bool
		err := pool.QueryRow(ctx, `SELECT coalesce(bool_and(replay_lsn >= pg_current_wal_lsn()), false) FROM pg_stat_replication`).Scan(&caughtUp)
		return err == nil && caughtUp
	}, 30*time.Second, 50*time.Millisecond)
}

// An asynchronous failover loses the changes the standby never got, which
// the notifier had already published. fbsessiond restarted on the promoted
// standby reports every one of them (the count is the number published
// and lost), publishes a resync of each session they touched (its state
// now, or "lost" for a session the log no longer has), and notifies the
// changes written since at the lost versions under ids of their own:
// none is dropped as a lost one's duplicate. The notifier's checkpoint
// on the promoted server is the old primary's last, beyond what it kept,
// as a process that outlived the failover saves it there: it resumes from
// a change the log kept.
func TestFailoverAsyncReportsEveryLostChange(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers")
	}
	t.Parallel()
	ctx := context.Background()
	c := pgcluster.Start(t, pgcluster.Options{})
	c.CreateDB("fb")
	nc := natstest.Connect(t, natstest.RunServer(t, "", 0).ClientURL())
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	b := rewindBus{js: js, prefix: natstest.Unique("t") + ".gws.v2", stream: natstest.Unique("FAILOVER_")}
	old := startRewindSide(t, c, b, nil)

	start := func(s *rewindSide, id, agent string) {
		t.Helper()
		_, err := s.cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{SessionID: id, AgentID: agent, Status: fb.StatusChatting,
			Participants: []fb.Participant{{Nickname: "Vitaliy", Type: fb.ParticipantCustomer, ID: "c1", Visibility: fb.VisibilityAll, ParticipantID: "c1"}}})
		require.NoError(t, err)
	}
	say := func(s *rewindSide, id, text string) {
		t.Helper()
		_, err := s.cmds.Operate(ctx, commands.Request{Actor: "router"}, id, fb.CustomerMessage{Text: text})
		require.NoError(t, err)
	}
	// Kept: five sessions with a message each, on the standby too.
	kept := []string{"k0", "k1", "k2", "k3", "k4"}
	for i, id := range kept {
		start(old, id, fmt.Sprintf("a%d", i))
		say(old, id, "kept")
	}
	b.waitStored(t, 4*len(kept))
	waitRewindReplayed(t, c)

	// Lost: the standby falls behind (stopped); each change is notified.
	c.Standby.Stop("fast")
	lost := 0
	for _, id := range kept {
		say(old, id, "lost")
		lost++
	}
	for _, id := range []string{"l0", "l1", "l2"} {
		start(old, id, "a9")
		lost++
	}
	_, err = old.cmds.Operate(ctx, commands.Request{Actor: "a0"}, "k0", fb.Transfer{By: "a0", TargetAgent: "a8"})
	require.NoError(t, err)
	lost++
	ghosts := b.waitStored(t, 4*len(kept)+2*len(kept)+2*3+4)
	head, err := old.store.Head(ctx)
	require.NoError(t, err)
	var published eventstore.Cursor
	require.Eventually(t, func() bool {
		published, err = old.store.Checkpoint(ctx, &eventstore.CheckpointParams{Name: "notifier"})
		return err == nil && published.Position >= head
	}, 30*time.Second, 20*time.Millisecond)

	c.Primary.Stop("immediate")
	old.stop()
	c.Standby.StartAgain()
	c.Standby.Promote()

	// fbsessiond again, on the promoted standby, where the checkpoint is
	// the one the old process had.
	now := startRewindSide(t, c, b, func(s *postgres.Store) {
		require.NoError(t, s.SaveCheckpoint(ctx, &eventstore.SaveCheckpointParams{Name: "notifier", Cursor: published}))
	})
	// Changes written since at the lost versions, under ids of their own.
	for _, id := range kept {
		say(now, id, "after")
	}
	// k0's to a0 and a8, the other k's to their agents, each l's to a9;
	// each again on the integration subject.
	resyncs := 2*2 + 2*(len(kept)-1) + 2*3
	all := b.waitStored(t, len(ghosts)+resyncs+2*len(kept))
	now.stop()

	require.Equal(t, float64(lost), now.counter(t, "fbsession_failover_lost_changes_total"), "every lost change reported once:\n%s", now.logs.String())
	require.Equal(t, 1.0, now.counter(t, "fbsession_failover_rewinds_total"))
	require.Equal(t, float64(resyncs), now.counter(t, "fbsession_failover_resyncs_published_total"))
	require.Zero(t, now.counter(t, "fbsession_notification_duplicates_differing_total"))
	require.Equal(t, lost, strings.Count(now.logs.String(), "lost in a failover"))
	require.Contains(t, now.logs.String(), "resuming before the checkpoint")

	// The resyncs: each session as the log has it, or lost.
	ids := map[string]bool{}
	fixed := map[string]map[string]any{}
	after := 0
	for _, m := range all {
		id := m.Header.Get(jetstream.MsgIDHeader)
		require.False(t, ids[id], "message id %s stored twice", id)
		ids[id] = true
		if m.Header.Get(notifier.HeaderResync) != "" {
			var body map[string]any
			require.NoError(t, json.Unmarshal(m.Data, &body))
			fixed[m.Subject] = body
		}
		if bytes.Contains(m.Data, []byte(`"after"`)) {
			after++
		}
	}
	require.Equal(t, 2*len(kept), after, "every change written since notified, to its agent and the integration side")
	state := func(subject string) map[string]any {
		t.Helper()
		body := fixed[subject]
		require.NotNil(t, body, "no resync on %s", subject)
		require.Equal(t, true, body["resync"])
		return body
	}
	user := func(agent, session string) string {
		return b.prefix + ".users." + agent + ".facebooksession." + session
	}
	for i, id := range kept {
		res := state(user(fmt.Sprintf("a%d", i), id))["facebooksession"].(map[string]any)
		require.Equal(t, "Chatting", res["state"], "%s is its first agent's: the transfer was lost", id)
		state(b.prefix + ".integration.facebooksession." + id)
	}
	require.Equal(t, "Completed", state(user("a8", "k0"))["facebooksession"].(map[string]any)["state"])
	for _, id := range []string{"l0", "l1", "l2"} {
		require.Equal(t, true, state(user("a9", id))["lost"], "the log has no %s", id)
	}

	// fbsessionctl verify --against-stream's view: the same, corrected.
	report, err := notifier.FindLost(ctx, js, now.store, notifier.FindLostParams{Stream: b.stream})
	require.NoError(t, err)
	require.Len(t, report.Lost, lost)
	require.Empty(t, report.Uncorrected())
	t.Logf("%d changes notified and lost, %d resync messages, %d changes since notified", lost, resyncs, len(kept))
}
