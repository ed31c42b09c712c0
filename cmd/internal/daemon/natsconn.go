package daemon

import (
	"errors"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/embeddednats"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

// natsConn is the daemon's NATS: its connection, JetStream on it, and the
// in-process server when no NATS_URL is configured.
type natsConn struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	url    string
	server *server.Server // nil with an external NATS
}

// connectNATS starts the in-process server if needed and connects.
// Requests never wait for NATS: the connection retries in the background,
// and only /readyz reports it missing.
func connectNATS(cfg *config.Config, log *slog.Logger) (*natsConn, error) {
	c := &natsConn{url: cfg.NATSURL}
	if c.url == "" {
		ns, err := embeddednats.Run(embeddednats.Config{Addr: cfg.NATSListen, DataDir: cfg.DataDir, SubjectPrefix: cfg.SubjectPrefix})
		if err != nil {
			return nil, err
		}
		c.server, c.url = ns, ns.ClientURL()
		log.Info("in-process NATS server running", "url", c.url,
			"credentials", filepath.Join(cfg.DataDir, natsconn.EmbeddedFile))
	}
	nc, err := natsconn.Dial(cfg.NATS(), natsconn.Publisher, c.url, nats.Name("fbsessiond"),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond))
	if err != nil {
		c.close()
		return nil, err
	}
	c.nc = nc
	if c.js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(512)); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// ready is /readyz's NATS check.
func (c *natsConn) ready() error {
	if !c.nc.IsConnected() {
		return errors.New(c.nc.Status().String())
	}
	return nil
}

// drain lets what was published be acknowledged before the stop.
func (c *natsConn) drain(log *slog.Logger) {
	if err := c.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		log.Warn("draining NATS", "err", err)
	}
}

func (c *natsConn) close() {
	if c.nc != nil {
		c.nc.Close()
	}
	if c.server != nil {
		c.server.Shutdown()
	}
}
