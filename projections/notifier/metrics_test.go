package notifier_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
)

// Each notification JetStream stores counts once; a publish no stream
// captures counts as a failure, again at every retry of its page.
func TestMetricsCountNotificationsPublishedAndFailed(t *testing.T) {
	t.Parallel()
	for name, url := range natstest.Servers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, newSQLiteStore(t), url)
			reg := prometheus.NewPedanticRegistry()
			metrics := notifier.NewMetrics(reg)
			n, err := notifier.New(notifier.Config{
				JetStream: f.js, Store: f.store, Prefix: f.prefix, BaseURL: "http://gws.test",
				Stream: f.stream, Metrics: metrics,
			})
			require.NoError(t, err)
			stop := f.run(f.store, n)
			f.start("s1", "a1")
			_, err = f.cmds.Operate(context.Background(), commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				// An intake and a Complete, each to the agent and to the
				// integration side.
				return counterValue(t, reg, "fbsession_notifications_published_total") == 4
			}, 10*time.Second, 10*time.Millisecond)
			require.Zero(t, counterValue(t, reg, "fbsession_notification_publish_failures_total"))
			stop()

			// Subjects no stream captures: JetStream answers no one.
			lost := newFixture(t, f.store, url)
			n, err = notifier.New(notifier.Config{
				JetStream: lost.js, Store: f.store, Prefix: lost.prefix, SkipStream: true,
				AckTimeout: time.Second, Metrics: metrics,
			})
			require.NoError(t, err)
			// A runner of its own, from the start of the log.
			r, err := projections.NewRunner(projections.RunnerConfig{
				Name: "lost", Store: f.store, Projector: n, LeaseRetry: 50 * time.Millisecond,
				RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond,
				Logger: slog.New(slog.DiscardHandler), // the failures are expected
			})
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _ = r.Run(ctx) }()
			t.Cleanup(func() { cancel(); <-done })
			require.Eventually(t, func() bool {
				return counterValue(t, reg, "fbsession_notification_publish_failures_total") >= 2
			}, 10*time.Second, 10*time.Millisecond)
			require.Equal(t, 4.0, counterValue(t, reg, "fbsession_notifications_published_total"))
		})
	}
}

// counterValue is the value of an unlabelled counter gathered from reg.
func counterValue(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
