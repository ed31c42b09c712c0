package ctl_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/embeddednats"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

// openServer runs a NATS server anyone may use, as a distribution's
// package runs on the default port; with JetStream when js.
func openServer(t *testing.T, js bool) *server.Server {
	t.Helper()
	opts := &server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true}
	if js {
		opts.JetStream, opts.StoreDir = true, t.TempDir()
	}
	ns, err := server.NewServer(opts)
	require.NoError(t, err)
	ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(ns.Shutdown)
	return ns
}

// createStream creates the notification stream on the server at url, as
// fbsessiond does.
func createStream(t *testing.T, url string, opts ...nats.Option) {
	t.Helper()
	nc, err := nats.Connect(url, opts...)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "FBSESSION_NOTIFICATIONS", Subjects: []string{"gws.v2.>"}})
	require.NoError(t, err)
}

// Watch goes where fbsessiond started its in-process server, not to the
// default address, whatever listens there.
func TestWatchFollowsTheInProcessServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ns, err := embeddednats.Run(embeddednats.Config{Addr: "127.0.0.1:-1", DataDir: dir, SubjectPrefix: "gws.v2"})
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)

	started, result, stderr := watch(t, "--count", "1", "--data-dir", dir)
	select {
	case <-started:
	case out := <-result:
		t.Fatal(out)
	}
	require.Contains(t, stderr.String(), "on "+ns.ClientURL()+"\n")
	opts, err := natsconn.Options(natsconn.Settings{DataDir: dir}, natsconn.Publisher)
	require.NoError(t, err)
	pub, err := nats.Connect(ns.ClientURL(), opts...)
	require.NoError(t, err)
	defer pub.Close()
	require.NoError(t, pub.Publish("gws.v2.users.a1.facebooksession.s1", []byte(`{}`)))
	require.Equal(t, "{}\n", <-result)
}

// Another server where fbsessiond's in-process one was, or named by
// --nats-listen, is refused rather than watched in silence.
func TestWatchRefusesAnotherServer(t *testing.T) {
	t.Parallel()
	open := openServer(t, true)
	openListen := strings.TrimPrefix(open.ClientURL(), "nats://")
	dir := t.TempDir()
	ns, err := embeddednats.Run(embeddednats.Config{Addr: "127.0.0.1:-1", DataDir: dir, SubjectPrefix: "gws.v2"})
	require.NoError(t, err)
	ns.Shutdown()

	// --nats-listen names the open server.
	for _, live := range []bool{true, false} {
		args := []string{"--data-dir", dir, "--nats-listen", openListen}
		if !live {
			args = append(args, "--all")
		}
		_, result, _ := watch(t, args...)
		out := <-result
		require.Contains(t, out, "error: the NATS server at "+open.ClientURL()+" is not the in-process server fbsessiond last started on", "live %v", live)
	}

	// fbsessiond stopped, and the open server took its address (here:
	// the record says so).
	stale := t.TempDir()
	require.NoError(t, natsconn.WriteEmbeddedServer(stale, natsconn.EmbeddedServer{URL: open.ClientURL(), ID: ns.ID()}))
	_, result, _ := watch(t, "--data-dir", stale)
	require.Contains(t, <-result, "is not the in-process server fbsessiond last started on")
}

// An external server without the notification stream is not the one
// fbsessiond publishes to: watch says so and fails, live or replaying.
func TestWatchRefusesAServerWithoutTheStream(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		open := openServer(t, js)
		for _, args := range [][]string{nil, {"--since", "1h"}} {
			_, result, _ := watch(t, append(args, "--nats-url", open.ClientURL())...)
			out := <-result
			require.Contains(t, out, "error: NATS at "+open.ClientURL()+" has no stream FBSESSION_NOTIFICATIONS", "JetStream %v, %v", js, args)
			require.Contains(t, out, "it is not the server fbsessiond publishes to")
		}
	}

	// With the stream, it watches.
	open := openServer(t, true)
	createStream(t, open.ClientURL())
	started, result, stderr := watch(t, "--nats-url", open.ClientURL(), "--count", "1")
	select {
	case <-started:
	case out := <-result:
		t.Fatal(out)
	}
	require.Contains(t, stderr.String(), "watching ")
}
