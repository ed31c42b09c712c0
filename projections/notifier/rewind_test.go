package notifier_test

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

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
)

// lockedBuffer is a log written by the runner's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// rewound is a notifier checking the stream against the log, with its
// metrics and log.
type rewound struct {
	n    *notifier.Notifier
	reg  *prometheus.Registry
	logs *lockedBuffer
}

// checkingNotifier checks the stream against log at each start. The
// clocks are one: a skew of 10ms.
func (f *fixture) checkingNotifier(log notifier.LogReader) rewound {
	f.t.Helper()
	r := rewound{reg: prometheus.NewRegistry(), logs: &lockedBuffer{}}
	var err error
	r.n, err = notifier.New(notifier.Config{
		JetStream: f.js, Store: f.store, Prefix: f.prefix, BaseURL: "http://gws.test", Stream: f.stream,
		Metrics: notifier.NewMetrics(r.reg), Logger: slog.New(slog.NewJSONHandler(r.logs, nil)), Log: log,
		ClockSkew: 10 * time.Millisecond,
	})
	require.NoError(f.t, err)
	return r
}

func (r rewound) counter(t *testing.T, name string) float64 {
	t.Helper()
	families, err := r.reg.Gather()
	require.NoError(t, err)
	for _, mf := range families {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// goBack makes the log go back to position: what a promoted standby that
// never got the changes after it holds. The events after it go, and the
// views are folded again from what is left. The notifier's checkpoint is
// the one saved then, or with beyond the one a process that outlived the
// failover saved on the promoted server: its change is gone.
func goBack(t *testing.T, b *storetest.Backend, position int64, beyond bool) {
	t.Helper()
	ctx := context.Background()
	at, err := b.Store.ReadRange(ctx, &eventstore.ReadRangeParams{From: position, To: position, Limit: 1})
	require.NoError(t, err)
	require.Len(t, at, 1)
	b.Tamper(t, "DELETE FROM events WHERE position > $1", position)
	_, err = audit.Rebuild(ctx, b.Store, nil)
	require.NoError(t, err)
	if !beyond {
		require.NoError(t, b.Store.SaveCheckpoint(ctx, &eventstore.SaveCheckpointParams{Name: "notifier", Cursor: at[0].Cursor()}))
	}
}

// resyncs are the corrective messages in the stream, by subject.
func resyncs(msgs []*jetstream.RawStreamMsg) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, m := range msgs {
		if m.Header.Get(notifier.HeaderResync) == "" {
			continue
		}
		var body map[string]any
		if json.Unmarshal(m.Data, &body) == nil {
			out[m.Subject] = body
		}
	}
	return out
}

// After the log goes back under what was notified, the notifier's check
// at its next start finds each change the stream holds and the log does
// not (gone, or another change at its version), logs and counts it once,
// and publishes a resync StatusChange of each session as the log has it
// now, or of its absence; the change written since at a lost version is
// notified under an id of its own. A second start finds them corrected.
// With the checkpoint the runner saved beyond what the log kept, the
// notifier resumes from a change the log kept: the change written since
// sorts before that checkpoint on SQLite, and is notified all the same.
func TestRewindFindsAndCorrectsLostChanges(t *testing.T) {
	t.Parallel()
	for name, url := range natstest.Servers(t) {
		for _, beyond := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/checkpoint_beyond=%t", name, beyond), func(t *testing.T) {
				t.Parallel()
				rewindScenario(t, url, beyond)
			})
		}
	}
}

func rewindScenario(t *testing.T, url string, beyond bool) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b.Store, url)
		first := f.checkingNotifier(b.Store)
		require.NoError(t, first.n.EnsureStream(ctx))
		stop := f.run(b.Store, first.n)
		f.start("s1", "a1")
		f.start("s2", "a2")
		f.streamMessages(4) // each intake to its agent and the integration side
		kept, err := b.Store.Head(ctx)
		require.NoError(t, err)

		// Notified, then lost.
		_, err = f.cmds.Operate(ctx, commands.Request{Actor: "router"}, "s1", fb.CustomerMessage{Text: "lost hello"})
		require.NoError(t, err)
		_, err = f.cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Transfer{By: "a1", TargetAgent: "a3"})
		require.NoError(t, err)
		f.start("s3", "a4")
		_, err = f.cmds.Operate(ctx, commands.Request{Actor: "router"}, "s2", fb.CustomerMessage{Text: "lost on s2"})
		require.NoError(t, err)
		ghosts := f.streamMessages(4 + 2 + 4 + 2 + 2)
		stop()
		goBack(t, b, kept, beyond)

		// Written after the failover at the version s2's lost change had.
		_, err = commands.NewHandler(b.Store).Operate(ctx, commands.Request{Actor: "router"}, "s2", fb.CustomerMessage{Text: "new on s2"})
		require.NoError(t, err)

		r := f.checkingNotifier(b.Store)
		stop = f.run(b.Store, r.n)
		// The resyncs (s1: to a1 and a3, and both on the integration
		// subject; s2: to a2 and its copy; s3: to a4 and its copy),
		// then the new change's two messages.
		all := f.streamMessages(len(ghosts) + 4 + 2 + 2 + 2)
		stop()
		require.Equal(t, 4.0, r.counter(t, "fbsession_failover_lost_changes_total"))
		require.Equal(t, 1.0, r.counter(t, "fbsession_failover_rewinds_total"))
		require.Equal(t, 8.0, r.counter(t, "fbsession_failover_resyncs_published_total"))
		require.Equal(t, 4, strings.Count(r.logs.String(), "lost in a failover"), r.logs.String())
		require.Contains(t, r.logs.String(), `"stream":"facebooksession-s3","version":1`)
		require.Contains(t, r.logs.String(), `"reason":"differs"`)

		fixed := resyncs(all)
		user := func(agent, session string) string {
			return f.prefix + ".users." + agent + ".facebooksession." + session
		}
		integration := func(session string) string { return f.prefix + ".integration.facebooksession." + session }
		state := func(subject string) string {
			body := fixed[subject]
			require.NotNil(t, body, "no resync on %s; got %v", subject, fixed)
			require.Equal(t, "StatusChange", body["notificationType"])
			require.Equal(t, true, body["resync"])
			return body["facebooksession"].(map[string]any)["state"].(string)
		}
		require.Equal(t, "Chatting", state(user("a1", "s1")), "s1 is a1's again: the transfer was lost")
		require.Equal(t, "Completed", state(user("a3", "s1")), "a3 was told of a transfer the log lacks")
		require.Equal(t, "Chatting", state(user("a2", "s2")))
		require.Equal(t, "Completed", state(user("a4", "s3")))
		require.Equal(t, true, fixed[user("a4", "s3")]["lost"], "the log has no s3")
		require.Equal(t, []any{}, fixed[user("a4", "s3")]["facebooksession"].(map[string]any)["capabilities"])
		require.Equal(t, []any{}, fixed[user("a3", "s1")]["facebooksession"].(map[string]any)["capabilities"])
		require.Nil(t, fixed[user("a1", "s1")]["lost"])
		for _, s := range []string{"s1", "s2", "s3"} {
			state(integration(s))
		}
		require.Len(t, fixed, 7)

		// The change written since is stored, under an id no lost
		// change had.
		ids := map[string]string{}
		for _, m := range all {
			id := m.Header.Get(jetstream.MsgIDHeader)
			require.NotContains(t, ids, id, "message id %s stored twice", id)
			ids[id] = m.Subject
		}
		require.Contains(t, string(all[len(all)-1].Data), "new on s2")

		// What verify --against-stream reads: the same four, corrected.
		report, err := notifier.FindLost(ctx, f.js, b.Store, notifier.FindLostParams{Stream: f.stream})
		require.NoError(t, err)
		require.Len(t, report.Lost, 4)
		require.Empty(t, report.Uncorrected())
		require.Equal(t, len(all), report.Messages)

		// A restart finds them corrected: nothing counted again. A
		// change notified after it shows its check is over.
		again := f.checkingNotifier(b.Store)
		stop = f.run(b.Store, again.n)
		_, err = commands.NewHandler(b.Store).Operate(ctx, commands.Request{Actor: "router"}, "s2", fb.CustomerMessage{Text: "after the restart"})
		require.NoError(t, err)
		f.streamMessages(len(all) + 2)
		stop()
		require.Zero(t, again.counter(t, "fbsession_failover_lost_changes_total"))
		require.Zero(t, again.counter(t, "fbsession_failover_resyncs_published_total"))
		require.NotContains(t, again.logs.String(), "lost in a failover")
	})
}
