package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/notifier"
	"github.com/fbsession/fbsession/projections/router"
)

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// projectors are what runs on the log besides the API: the notifier,
// publishing every change to JetStream, the router, offering queued
// sessions, and the checkpointer.
type projectors struct {
	runner     *projections.Runner
	runnerDone chan struct{}
	stopRunner context.CancelFunc
	// stopCheckpointer ends the checkpointer, which closes
	// checkpointerDone once stopped.
	stopCheckpointer context.CancelFunc
	checkpointerDone <-chan struct{}
	checkpoints      *checkpointHealth
	// router offers queued sessions: every process follows the log, the
	// one with the lease decides.
	router     *router.Router
	stopRouter context.CancelFunc
	routerDone chan struct{}
	// messenger is the Messenger connector's runners, for /readyz.
	messenger *inboxRunner
}

// startProjectors starts the notifier, the router and, with a key, the
// checkpointer.
func startProjectors(ctx context.Context, cfg *config.Config, b *backend.Backend, conn *natsConn, h *handlers, reg *prometheus.Registry, log *slog.Logger) (*projectors, error) {
	notify, err := newNotifier(ctx, cfg, b, conn, reg, log)
	if err != nil {
		return nil, err
	}
	runner, err := projections.NewRunner(projections.RunnerConfig{
		Name: "notifier", Store: b.Store, Projector: notify,
		Metrics: projections.NewMetrics(reg), Logger: log,
	})
	if err != nil {
		return nil, err
	}
	route, err := router.New(router.Config{Store: b.Store, Sessions: h.sessions, Agents: h.agents,
		Metrics: router.NewMetrics(reg), Logger: log})
	if err != nil {
		return nil, err
	}
	p := &projectors{runner: runner, runnerDone: make(chan struct{}), checkpoints: newCheckpointHealth(reg),
		router: route, routerDone: make(chan struct{})}
	cpCtx, stopCheckpointer := context.WithCancel(ctx)
	p.stopCheckpointer = stopCheckpointer
	if p.checkpointerDone, err = startCheckpointer(cpCtx, cfg, b, conn.js, p.checkpoints, log); err != nil {
		stopCheckpointer()
		return nil, err
	}
	// The router stops with the API: what it would offer next waits in
	// the log for the next holder of its lease.
	routeCtx, stopRouter := context.WithCancel(context.Background())
	p.stopRouter = stopRouter
	go func() {
		defer close(p.routerDone)
		_ = route.Run(routeCtx)
	}()
	// The notifier outlives ctx: drain publishes what the last requests
	// committed.
	runCtx, stopRunner := context.WithCancel(context.Background())
	p.stopRunner = stopRunner
	go func() {
		defer close(p.runnerDone)
		_ = runner.Run(runCtx)
	}()
	return p, nil
}

// newNotifier makes the notifier, and its stream now, so that subscribers
// can bind to it before the first change. If NATS is down, the notifier
// makes it before its first publish instead.
func newNotifier(ctx context.Context, cfg *config.Config, b *backend.Backend, conn *natsConn, reg *prometheus.Registry, log *slog.Logger) (*notifier.Notifier, error) {
	msgIDKey, err := natsconn.MsgIDKey(cfg.NATS())
	if err != nil {
		return nil, err
	}
	if msgIDKey == nil {
		log.Error("notification message ids are predictable: a client allowed to publish on the stream's subjects can have notifications dropped as duplicates; " +
			"set FBSESSION_MSGID_KEY (openssl rand -hex 32), the same for every fbsessiond. fbsession_notification_msgid_keyed is 0 until then")
	}
	var durable eventstore.Durability
	if cfg.DurablePublish {
		if d, ok := b.Store.(eventstore.Durability); ok {
			durable = d
		} else {
			log.Warn("FBSESSION_DURABLE_PUBLISH ignored: this store shows only durable changes", "dialect", b.Dialect)
		}
	}
	notify, err := notifier.New(notifier.Config{
		JetStream: conn.js, Store: b.Store, Prefix: cfg.SubjectPrefix, BaseURL: cfg.BaseURL(),
		Stream: cfg.Stream, Retention: cfg.Retention, MaxBytes: cfg.StreamMaxBytes, DuplicateWindow: cfg.DuplicateWindow, Replicas: cfg.StreamReplicas,
		CachedSessions: notifierCachedSessions(cfg), CachedBytes: int(cfg.CacheBytes), MsgIDKey: msgIDKey,
		Metrics: notifier.NewMetrics(reg), Logger: log, Durable: durable, Log: b.Store,
	})
	if err != nil {
		return nil, err
	}
	ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := notify.EnsureStream(ectx); err != nil {
		log.Warn("notification stream not ready yet; will retry", "err", err)
	}
	return notify, nil
}

// drain lets the notifier publish what the last requests committed, until
// sctx ends; what it misses it publishes on the next start.
func (p *projectors) drain(sctx context.Context, log *slog.Logger) {
	// The router first: the notifier then drains its last offers too.
	p.stopRouter()
	<-p.routerDone
	p.runner.Drain()
	select {
	case <-p.runnerDone:
	case <-sctx.Done():
		log.Warn("notifier did not catch up before the shutdown timeout; it resumes on the next start")
		p.stopRunner()
		<-p.runnerDone
	}
}

func (p *projectors) stop() {
	p.stopRouter()
	<-p.routerDone
	p.stopRunner()
	p.stopCheckpointer()
	<-p.checkpointerDone
}

// notifierCachedSessions is a fifth of the command cache's: the notifier
// keeps only sessions changed again before it saw their last change.
func notifierCachedSessions(cfg *config.Config) int {
	return max(1, cachedSessions(cfg)*notifier.DefaultCachedSessions/commands.DefaultCachedSessions)
}

// cachedSessions is the configured cache size; a configuration built in
// code without one gets the default.
func cachedSessions(cfg *config.Config) int {
	if cfg.CachedSessions <= 0 {
		return commands.DefaultCachedSessions
	}
	return cfg.CachedSessions
}
