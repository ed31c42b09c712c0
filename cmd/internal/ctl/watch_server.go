package ctl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

// streamCheckTimeout bounds watch's look for the notification stream on an
// external server: a user without the JetStream API gets no answer at all.
const streamCheckTimeout = 3 * time.Second

// dialWatched connects watch, as role, to the NATS server fbsessiond
// uses, and makes sure that is the server it reached: a NATS server open
// to anyone (a distribution's, on the default port) would otherwise take
// the subscription and deliver nothing, silently. listenGiven says
// --nats-listen was on the command line.
func (c *CLI) dialWatched(ctx context.Context, role natsconn.Role, listenGiven bool) (nc *nats.Conn, url string, err error) {
	url, wantID, err := c.watchedServer(listenGiven)
	if err != nil {
		return nil, "", err
	}
	nc, err = natsconn.Dial(c.cfg.NATS(), role, url, nats.Name("fbsessionctl watch"),
		nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))
	if err != nil {
		return nil, "", err
	}
	if err := c.checkWatchedServer(ctx, nc, url, wantID); err != nil {
		nc.Close()
		return nil, "", err
	}
	return nc, url, nil
}

// watchedServer is the server to watch and, for the in-process one, the
// id it must have: NATS_URL; or where fbsessiond last started its
// in-process server on the data directory (whatever FBSESSION_NATS_LISTEN
// said to it), or --nats-listen if given.
func (c *CLI) watchedServer(listenGiven bool) (url, id string, err error) {
	if c.cfg.NATSURL != "" {
		return c.cfg.NATSURL, "", nil
	}
	rec, err := natsconn.ReadEmbeddedServer(c.cfg.DataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("no fbsessiond has started its in-process NATS server on the data directory %s (it has no %s): "+
			"give fbsessiond's --data-dir (FBSESSION_DATA_DIR), or NATS_URL for an external server", Printable(c.cfg.DataDir), natsconn.ServerFile)
	}
	if err != nil {
		return "", "", err
	}
	if listenGiven {
		return c.cfg.NATSClientURL(), rec.ID, nil
	}
	return rec.URL, rec.ID, nil
}

// checkWatchedServer makes sure nc reached the server fbsessiond
// publishes to: the in-process server it last started (by id), or an
// external server holding the notification stream.
func (c *CLI) checkWatchedServer(ctx context.Context, nc *nats.Conn, url, wantID string) error {
	if wantID != "" {
		if nc.ConnectedServerId() != wantID {
			return fmt.Errorf("the NATS server at %s is not the in-process server fbsessiond last started on %s: "+
				"fbsessiond has stopped, or another server listens there; start fbsessiond, or set NATS_URL to the server it uses",
				natsconn.Redact(url), Printable(c.cfg.DataDir))
		}
		return nil
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, streamCheckTimeout)
	defer cancel()
	_, err = js.Stream(ctx, c.cfg.Stream)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrJetStreamNotEnabled),
		errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount), errors.Is(err, nats.ErrNoResponders):
		// No responders: no JetStream at all.
		return fmt.Errorf("NATS at %s has no stream %s (%w): it is not the server fbsessiond publishes to, or fbsessiond never started on it; "+
			"check NATS_URL and FBSESSION_STREAM", natsconn.Redact(url), Printable(c.cfg.Stream), err)
	}
	// A user allowed only to subscribe cannot ask: say so, and go on.
	fmt.Fprintf(c.Err, "cannot check that NATS at %s holds the stream %s (%s); watching anyway\n",
		natsconn.Redact(url), Printable(c.cfg.Stream), Printable(natsconn.RedactError(err, url).Error()))
	return nil
}
