// Package daemon runs fbsessiond: the REST API on the configured store,
// with NATS (in-process by default), until its context ends.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/embeddednats"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/notifier"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/cometd"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// ShutdownTimeout bounds how long requests in flight may take to finish
// after SIGTERM.
const ShutdownTimeout = 15 * time.Second

// Started is told the addresses the daemon serves on, once it does.
type Started func(httpAddr, natsURL string)

// Run serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, cfg *config.Config, log *slog.Logger, started Started) error {
	// Exclusive: a second fbsessiond on this data directory would share
	// the in-process NATS store and lose notifications.
	b, err := backend.Open(ctx, cfg, log, backend.Exclusive())
	if err != nil {
		return err
	}
	defer b.Close()
	version, err := b.Migrate(ctx)
	if err != nil {
		return err
	}
	log.Info("store ready", "dialect", b.Dialect, "schema_version", version)

	natsURL := cfg.NATSURL
	if natsURL == "" {
		ns, err := embeddednats.Run(embeddednats.Config{Addr: cfg.NATSListen, DataDir: cfg.DataDir, SubjectPrefix: cfg.SubjectPrefix})
		if err != nil {
			return err
		}
		defer ns.Shutdown()
		natsURL = ns.ClientURL()
		log.Info("in-process NATS server running", "url", natsURL,
			"credentials", filepath.Join(cfg.DataDir, natsconn.EmbeddedFile))
	}
	// Requests never wait for NATS: the connection retries in the
	// background, and only /readyz reports it missing.
	nc, err := natsconn.Dial(cfg.NATS(), natsconn.Publisher, natsURL, nats.Name("fbsessiond"),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond))
	if err != nil {
		return err
	}
	defer nc.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(512))
	if err != nil {
		return err
	}
	msgIDKey, err := natsconn.MsgIDKey(cfg.NATS())
	if err != nil {
		return err
	}
	if msgIDKey == nil {
		log.Warn("notification message ids are not keyed: set FBSESSION_MSGID_KEY, the same for every fbsessiond, so that no other publisher can guess one")
	}
	projectorMetrics := projections.NewMetrics(reg)
	notify, err := notifier.New(notifier.Config{
		JetStream: js, Store: b.Store, Prefix: cfg.SubjectPrefix, BaseURL: cfg.BaseURL(),
		Stream: cfg.Stream, Retention: cfg.Retention, DuplicateWindow: cfg.DuplicateWindow, Replicas: cfg.StreamReplicas,
		CachedSessions: notifierCachedSessions(cfg), CachedBytes: int(cfg.CacheBytes), MsgIDKey: msgIDKey,
		Metrics: notifier.NewMetrics(reg),
	})
	if err != nil {
		return err
	}
	// Create or update the stream now, so that subscribers can bind to it
	// before the first change. If NATS is down, the notifier does it before
	// its first publish instead.
	ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
	if err := notify.EnsureStream(ectx); err != nil {
		log.Warn("notification stream not ready yet; will retry", "err", err)
	}
	cancel()
	runner, err := projections.NewRunner(projections.RunnerConfig{
		Name: "notifier", Store: b.Store, Projector: notify,
		Metrics: projectorMetrics, Logger: log,
	})
	if err != nil {
		return err
	}
	cpCtx, stopCheckpointer := context.WithCancel(ctx)
	checkpointerDone, err := startCheckpointer(cpCtx, cfg, b, js, log)
	if err != nil {
		stopCheckpointer()
		return err
	}
	defer func() { stopCheckpointer(); <-checkpointerDone }()
	runCtx, stopRunner := context.WithCancel(context.Background())
	defer stopRunner()
	runnerDone := make(chan struct{})
	go func() {
		defer close(runnerDone)
		_ = runner.Run(runCtx)
	}()

	limits := httpapi.DefaultLimits(cfg.RequestTimeout)
	auth := users.NewAuthenticator(b.Users, users.AuthenticatorConfig{Registerer: reg})
	notifications, err := cometd.New(cometd.Config{
		NATS: nc, Prefix: cfg.SubjectPrefix, Auth: auth, ClientAddr: httpapi.ClientAddr,
		MaxClientsPerUser: cfg.CometDClientsPerUser, MaxClients: cometdClients(cfg, limits),
		QueueLength: cfg.CometDQueue, QueueBytes: cfg.CometDQueueBytes, QueueBudget: cfg.CometDQueueBudget,
		MaxIdle: cfg.CometDMaxIdle, Registerer: reg, Logger: log,
	})
	if err != nil {
		return err
	}
	defer notifications.Close()
	// Core NATS keeps nothing for a connection that was away: the CometD
	// clients handshake again and their desktops re-read their sessions.
	prevReconnected := nc.Opts.ReconnectedCB
	nc.SetReconnectHandler(func(c *nats.Conn) {
		if prevReconnected != nil {
			prevReconnected(c)
		}
		notifications.NATSReconnected()
	})
	api := httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store, commands.WithCachedSessions(cachedSessions(cfg)),
			commands.WithCacheBytes(int(cfg.CacheBytes)), commands.WithAgents(b.Users), commands.WithMetrics(reg)),
		Agents:      commands.NewAgentHandler(b.Store, commands.WithAgents(b.Users)),
		Sessions:    sessionview.NewReader(b.Store),
		Transcripts: sessionview.NewTranscripts(b.Store),
		Auth:        auth,
		BaseURL:     cfg.BaseURL(),
		Ready: map[string]func(context.Context) error{
			"store": b.Store.Ping,
			"nats": func(context.Context) error {
				if !nc.IsConnected() {
					return errors.New(nc.Status().String())
				}
				return nil
			},
		},
		Registry:       reg,
		Notifications:  notifications,
		RequestTimeout: cfg.RequestTimeout,
		MaxRequestRead: limits.BodyRead(),
		TrustedProxies: cfg.TrustedProxies,
		Logger:         log,
	})
	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr, log)
	}
	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP listen on %s (set FBSESSION_HTTP_ADDR or --http-addr): %w", cfg.HTTPAddr, err)
	}
	l = limits.Listener(l)
	srv := limits.Server(api)
	// Shutdown waits for neither long polls nor websockets: answer them.
	srv.RegisterOnShutdown(notifications.Close)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	log.Info("serving", "http", l.Addr().String(), "base_url", cfg.BaseURL())
	if started != nil {
		started(l.Addr().String(), natsURL)
	}

	select {
	case err := <-served:
		return fmt.Errorf("HTTP server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// Publish what the last requests committed, then stop.
	runner.Drain()
	select {
	case <-runnerDone:
	case <-sctx.Done():
		log.Warn("notifier did not catch up before the shutdown timeout; it resumes on the next start")
		stopRunner()
		<-runnerDone
	}
	if err := nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		log.Warn("draining NATS", "err", err)
	}
	return nil
}

// cometdClients is the configured cap of CometD clients, by default half
// of the connections the HTTP server takes: each client may hold one (a
// long poll or a websocket), and the REST API needs the rest.
func cometdClients(cfg *config.Config, limits httpapi.Limits) int {
	if cfg.CometDClients > 0 {
		return cfg.CometDClients
	}
	return max(limits.MaxConns/2, 1)
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
