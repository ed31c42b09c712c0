// Package embeddednats runs the in-process NATS server of the embedded
// default, with JetStream stored on disk.
package embeddednats

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Start runs a NATS server with JetStream listening on addr and storing in
// dir. A taken address fails at once, naming the settings to change.
func Start(addr, dir string) (*server.Server, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("NATS listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("NATS listen address %q: bad port", addr)
	}
	// Probe first: the server itself would only log the failure.
	if port != server.RANDOM_PORT {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("cannot run the in-process NATS server on %s (%w): "+
				"set FBSESSION_NATS_LISTEN (--nats-listen) to a free address, "+
				"or NATS_URL (--nats-url) to use the NATS server already there", addr, err)
		}
		l.Close()
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "fbsession-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true,
		NoLog:      true,
	})
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
