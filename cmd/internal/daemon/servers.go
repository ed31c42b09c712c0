package daemon

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/queueview"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/cometd"
	"github.com/fbsession/fbsession/transport/desktop"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

// servers are the HTTP servers of the API and of the admin address, not
// yet listening.
type servers struct {
	limits        httpapi.Limits
	api           *http.Server
	admin         *http.Server // nil without an admin address
	notifications *cometd.Server
	webSessions   *websession.Store
}

// buildServers builds the REST API, with CometD, and the admin server.
func buildServers(cfg *config.Config, b *backend.Backend, conn *natsConn, proj *projectors, h *handlers, reg *prometheus.Registry, log *slog.Logger) (*servers, error) {
	limits := httpapi.DefaultLimits(cfg.RequestTimeout)
	if cfg.ConnsPerAddress > 0 {
		limits.ConnsPerAddress = cfg.ConnsPerAddress
	}
	limits.ExemptAddresses = cfg.TrustedProxies
	auth := users.NewAuthenticator(b.Users, users.AuthenticatorConfig{Registerer: reg})
	sessionsCfg := cfg.WebSessions.Store()
	sessionsCfg.Reader, sessionsCfg.Registerer = b.WebSessionsReadDB, reg
	webSessions, err := websession.New(b.WebSessionsDB, sessionsCfg)
	if err != nil {
		return nil, err
	}
	notifications, err := cometd.New(cometd.Config{
		NATS: conn.nc, Prefix: cfg.SubjectPrefix, Auth: auth, ClientAddr: httpapi.ClientAddr,
		WebSessions: webSessions, Secure: httpapi.RequestSecure, Origins: httpapi.RequestOrigins,
		MaxClientsPerUser: cfg.CometDClientsPerUser, MaxClients: cometdClients(cfg, limits),
		QueueLength: cfg.CometDQueue, QueueBytes: cfg.CometDQueueBytes, QueueBudget: cfg.CometDQueueBudget,
		MaxIdle: cfg.CometDMaxIdle, Registerer: reg, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	// Core NATS keeps nothing for a connection that was away: the CometD
	// clients handshake again and their desktops re-read their sessions.
	prevReconnected := conn.nc.Opts.ReconnectedCB
	conn.nc.SetReconnectHandler(func(c *nats.Conn) {
		if prevReconnected != nil {
			prevReconnected(c)
		}
		notifications.NATSReconnected()
	})
	webhook, err := messengerWebhook(cfg, b, reg, log)
	if err != nil {
		return nil, err
	}
	pages, err := desktop.New()
	if err != nil {
		return nil, err
	}
	api, admin := httpapi.NewWithAdmin(httpapi.Config{
		Messenger:    webhook,
		Pages:        pages,
		Commands:     h.sessions,
		Agents:       h.agents,
		QueueFigures: proj.router,
		Supervision:  httpapi.Supervision{Agents: b.Users, Board: proj.router},
		Sessions:     sessionview.NewReader(b.Store),
		// Queues are read from their views, which fbsessionctl's appends
		// write: a queue added is served at once, by every process.
		Queues:      queueview.NewReader(b.Store),
		Transcripts: sessionview.NewTranscripts(b.Store),
		Auth:        auth,
		// Browser sessions, on every store (docs/API.md §14).
		WebSessions:        webSessions,
		CookieAlwaysSecure: cfg.WebSessions.AlwaysSecure(),
		BaseURL:            cfg.BaseURL(),
		PublicOrigin:       cfg.PublicOrigin(),
		Ready: map[string]func(context.Context) error{
			"store": b.Store.Ping,
			"nats":  func(context.Context) error { return conn.ready() },
		},
		Degraded:       degradedChecks(cfg, b, proj.messenger.degraded(proj.checkpoints.checks()), log),
		Registry:       reg,
		Notifications:  notifications,
		RequestTimeout: cfg.RequestTimeout,
		MaxRequestRead: limits.BodyRead(),
		TrustedProxies: cfg.TrustedProxies,
		Logger:         log,
	}, adminExtras(cfg))
	s := &servers{limits: limits, api: limits.Server(api), notifications: notifications, webSessions: webSessions}
	// Shutdown waits for neither long polls nor websockets: answer them.
	s.api.RegisterOnShutdown(notifications.Close)
	if cfg.AdminAddr != "" {
		s.admin = adminServer(admin)
	}
	return s, nil
}

// adminServer serves the admin address. Its clients are the orchestrator,
// Prometheus and an operator's profiler: a private address, with room for
// a 30 s CPU profile.
func adminServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: time.Minute}
}

// adminExtras are the profiles, on the admin address when asked for.
func adminExtras(cfg *config.Config) map[string]http.Handler {
	if !cfg.AdminPprof {
		return nil
	}
	return map[string]http.Handler{"/debug/pprof/": pprofHandler()}
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
