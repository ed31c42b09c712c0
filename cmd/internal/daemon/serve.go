package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/fbsession/fbsession/cmd/internal/config"
)

// serve listens, serves until ctx ends or a server fails, then shuts down:
// the servers first, then the notifier publishes what the last requests
// committed, then NATS drains.
func serve(ctx context.Context, cfg *config.Config, srv *servers, proj *projectors, conn *natsConn, log *slog.Logger, started Started) error {
	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr, log)
	}
	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP listen on %s (set FBSESSION_HTTP_ADDR or --http-addr): %w", cfg.HTTPAddr, err)
	}
	l = srv.limits.Listener(l)
	addrs := Addresses{HTTP: l.Addr().String(), NATS: conn.url}
	served := make(chan error, 2)
	if srv.admin != nil {
		al, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			_ = l.Close()
			return fmt.Errorf("admin listen on %s (set FBSESSION_ADMIN_ADDR or --admin-addr; empty turns it off): %w", cfg.AdminAddr, err)
		}
		addrs.Admin = al.Addr().String()
		go func() { served <- serveOn("admin", srv.admin, al) }()
	}
	go func() { served <- serveOn("HTTP", srv.api, l) }()
	log.Info("serving", "http", addrs.HTTP, "admin", addrs.Admin, "base_url", cfg.BaseURL())
	if started != nil {
		started(addrs)
	}

	select {
	case err := <-served:
		srv.close()
		return err
	case <-ctx.Done():
	}
	return shutdown(srv, proj, conn, log)
}

// serveOn serves srv on l until it is shut down; anything else is a
// failure.
func serveOn(name string, srv *http.Server, l net.Listener) error {
	err := srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("%s server: %w", name, err)
}

func shutdown(srv *servers, proj *projectors, conn *natsConn, log *slog.Logger) error {
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if srv.admin != nil {
		// First, so that the orchestrator sees the instance going while
		// the API finishes its requests.
		_ = srv.admin.Close()
	}
	if err := srv.api.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	proj.drain(sctx, log)
	conn.drain(log)
	return nil
}

// close stops both servers at once, when one of them failed.
func (s *servers) close() {
	_ = s.api.Close()
	if s.admin != nil {
		_ = s.admin.Close()
	}
}
