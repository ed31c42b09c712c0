// Package daemon runs fbsessiond: the REST API on the configured store,
// with NATS (in-process by default), until its context ends.
package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/fbsession/fbsession/cmd/internal/config"
)

// ShutdownTimeout bounds how long requests in flight may take to finish
// after SIGTERM.
const ShutdownTimeout = 15 * time.Second

// Addresses are those the daemon serves on: the API's, the admin
// listener's (empty without one) and the NATS server's URL.
type Addresses struct {
	HTTP, Admin, NATS string
}

// Started is told the addresses the daemon serves on, once it does.
type Started func(Addresses)

// Run serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, cfg *config.Config, log *slog.Logger, started Started) error {
	b, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.Close()
	conn, err := connectNATS(cfg, log)
	if err != nil {
		return err
	}
	defer conn.close()
	reg := newRegistry()
	h := newHandlers(cfg, b, reg)
	proj, err := startProjectors(ctx, cfg, b, conn, h, reg, log)
	if err != nil {
		return err
	}
	defer proj.stop()
	inboxes, err := startInbox(cfg, b, h, reg, log)
	if err != nil {
		return err
	}
	defer inboxes.stop()
	proj.messenger = inboxes
	srv, err := buildServers(cfg, b, conn, proj, h, reg, log)
	if err != nil {
		return err
	}
	defer srv.notifications.Close()
	defer sweepWebSessions(ctx, srv.webSessions, log)()
	return serve(ctx, cfg, srv, proj, conn, log, started)
}
