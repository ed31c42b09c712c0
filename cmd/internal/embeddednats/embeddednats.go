// Package embeddednats runs the in-process NATS server of the embedded
// default, with JetStream stored on disk, open only to the users whose
// credentials it generates in the data directory.
package embeddednats

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	"github.com/fbsession/fbsession/gws"
)

// Config says where the server listens and keeps its data.
type Config struct {
	// Addr is host:port; port -1 picks a free one.
	Addr string
	// DataDir holds the credentials (natsconn.EmbeddedFile) and, in nats/,
	// the JetStream store.
	DataDir string
	// SubjectPrefix is the prefix of the notification subjects, the only
	// ones the subscriber user may read.
	SubjectPrefix string
}

// Run runs a NATS server with JetStream as cfg says. A taken address
// fails at once, naming the settings to change.
func Run(cfg Config) (*server.Server, error) {
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("NATS listen address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("NATS listen address %q: bad port", cfg.Addr)
	}
	// Probe first: the server itself would only log the failure.
	if port != server.RANDOM_PORT {
		l, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("cannot run the in-process NATS server on %s (%w): "+
				"set FBSESSION_NATS_LISTEN (--nats-listen) to a free address, "+
				"or NATS_URL (--nats-url) to use the NATS server already there", cfg.Addr, err)
		}
		l.Close()
	}
	creds, err := natsconn.LoadOrCreateEmbedded(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	opts := &server.Options{
		StoreDir: filepath.Join(cfg.DataDir, "nats"),
		// With users, every client must authenticate as one of them.
		Users: users(creds, cfg.SubjectPrefix),
	}
	opts.ServerName, opts.Host, opts.Port = "fbsession-embedded", host, port
	opts.JetStream, opts.NoSigs, opts.NoLog = true, true, true
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("in-process NATS server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("in-process NATS server did not become ready")
	}
	return ns, nil
}

// users are the publisher, who owns the server (fbsessiond publishes,
// manages the stream, and fbsessionctl replay publishes under any
// prefix), and the subscriber, who may only read the notifications as
// they are published (core NATS: no JetStream API, so it can neither
// publish, nor purge, nor read the stream's history).
func users(creds *natsconn.Embedded, prefix string) []*server.User {
	return []*server.User{
		{Username: creds.Publisher.Name, Password: creds.Publisher.Password},
		{
			Username: creds.Subscriber.Name, Password: creds.Subscriber.Password,
			Permissions: &server.Permissions{
				Publish:   &server.SubjectPermission{Deny: []string{">"}},
				Subscribe: &server.SubjectPermission{Allow: gws.NewSubjects(prefix).WatcherSubscribe()},
			},
		},
	}
}
