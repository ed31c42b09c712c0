// Package natstest gives tests real NATS servers: one in-process (the
// nats-server module), and the one named by TEST_NATS_URL (a Debian
// nats-server 2.9 in CI), so that the code is tested against both.
package natstest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EnvURL names the external server.
const EnvURL = "TEST_NATS_URL"

// RunServer starts an in-process server with JetStream in dir (a temporary
// directory when empty) on port (random when 0), shut down when t ends.
func RunServer(t testing.TB, dir string, port int) *server.Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// Servers returns the URLs to run a NATS test against, by name: always an
// in-process server, and the external one when TEST_NATS_URL is set
// (required under CI).
func Servers(t testing.TB) map[string]string {
	t.Helper()
	urls := map[string]string{"embedded": RunServer(t, "", 0).ClientURL()}
	if url := os.Getenv(EnvURL); url != "" {
		urls["external"] = url
	} else if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set: CI must test against the external NATS server", EnvURL)
	}
	return urls
}

// Connect connects to url, closed when t ends.
func Connect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// Unique returns a name no other test uses, for subject prefixes and
// stream names on a shared server.
func Unique(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
