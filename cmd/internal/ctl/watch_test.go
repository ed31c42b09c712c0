package ctl_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/cmd/internal/embeddednats"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

// watch runs fbsessionctl watch with args; started is closed once it
// says it is watching.
func watch(t *testing.T, args ...string) (started <-chan struct{}, result <-chan string, stderr *lockedBuffer) {
	t.Helper()
	ready := make(chan struct{})
	done := make(chan string, 1)
	stderr = &lockedBuffer{ready: ready}
	go func() {
		var out bytes.Buffer
		c := &ctl.CLI{Out: &out, Err: stderr, In: strings.NewReader("")}
		cmd := c.Command()
		cmd.SetArgs(append([]string{"watch", "--json"}, args...))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := cmd.ExecuteContext(ctx); err != nil {
			done <- "error: " + err.Error()
			return
		}
		done <- out.String()
	}()
	return ready, done, stderr
}

// On the in-process server, watch logs in with the read-only user whose
// credentials fbsessiond generated in the data directory.
func TestWatchUsesTheDataDirectoryCredentials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ns, err := embeddednats.Run(embeddednats.Config{Addr: "127.0.0.1:-1", DataDir: dir, SubjectPrefix: "gws.v2"})
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)
	listen := strings.TrimPrefix(ns.ClientURL(), "nats://")

	started, result, _ := watch(t, "--user", "a1", "--count", "1", "--data-dir", dir, "--nats-listen", listen)
	select {
	case <-started:
	case out := <-result:
		t.Fatal(out)
	}
	opts, err := natsconn.Options(natsconn.Settings{DataDir: dir}, natsconn.Publisher)
	require.NoError(t, err)
	pub, err := nats.Connect(ns.ClientURL(), opts...)
	require.NoError(t, err)
	defer pub.Close()
	require.NoError(t, pub.Publish("gws.v2.users.a1.facebooksession.s1", []byte(`{"state": "Completed"}`)))
	select {
	case out := <-result:
		require.Equal(t, `{"state":"Completed"}`+"\n", out)
	case <-time.After(10 * time.Second):
		t.Fatal("watch saw nothing")
	}

	// Elsewhere there is no record of the server: watch says so.
	_, result, _ = watch(t, "--data-dir", t.TempDir(), "--nats-listen", listen)
	out := <-result
	require.Contains(t, out, "no fbsessiond has started its in-process NATS server")
	// A record but no credentials: watch says where it looked.
	other := t.TempDir()
	record, err := os.ReadFile(filepath.Join(dir, natsconn.ServerFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(other, natsconn.ServerFile), record, 0o600))
	_, result, _ = watch(t, "--data-dir", other)
	out = <-result
	require.Contains(t, out, "Authorization Violation")
	require.Contains(t, out, "no credentials in ")
}

// A NATS URL's password never shows, in errors or in what watch prints.
func TestWatchHidesTheNATSPassword(t *testing.T) {
	t.Setenv("NATS_URL", "nats://fbsessiond:env-s3cret@127.0.0.1:4222")
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: t.TempDir(), Users: []*server.User{{Username: "fbsessiond", Password: "s3cret"}}})
	require.NoError(t, err)
	ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(ns.Shutdown)
	hostPort := strings.TrimPrefix(ns.ClientURL(), "nats://")
	// fbsessiond's stream, which watch checks for.
	createStream(t, ns.ClientURL(), nats.UserInfo("fbsessiond", "s3cret"))

	for _, url := range []string{
		"nats://fbsessiond:wrong-s3cret@" + hostPort, // refused
		"nats://fbsessiond:s3cret@127.0.0.1:42x22",   // malformed
		"nats://s3cret@127.0.0.1:1",                  // a token; nobody there
	} {
		_, result, stderr := watch(t, "--nats-url", url)
		out := <-result
		require.True(t, strings.HasPrefix(out, "error: "), out)
		require.NotContains(t, out+stderr.String(), "s3cret")
		require.Contains(t, out, "xxxxx@")
	}

	started, result, stderr := watch(t, "--nats-url", "nats://fbsessiond:s3cret@"+hostPort, "--count", "1")
	select {
	case <-started:
	case out := <-result:
		t.Fatal(out)
	}
	require.Contains(t, stderr.String(), "on nats://fbsessiond:xxxxx@"+hostPort)
	require.NotContains(t, stderr.String(), "s3cret")
	pub, err := nats.Connect(ns.ClientURL(), nats.UserInfo("fbsessiond", "s3cret"))
	require.NoError(t, err)
	defer pub.Close()
	require.NoError(t, pub.Publish("gws.v2.users.a1.facebooksession.s1", []byte(`{}`)))
	require.Equal(t, "{}\n", <-result)

	// Nor does --help show NATS_URL's.
	var help bytes.Buffer
	c := &ctl.CLI{Out: &help, Err: &help, In: strings.NewReader("")}
	cmd := c.Command()
	cmd.SetArgs([]string{"watch", "--help"})
	require.NoError(t, cmd.Execute())
	require.Contains(t, help.String(), "fbsessiond:xxxxx@127.0.0.1:4222")
	require.NotContains(t, help.String(), "s3cret")
}

// lockedBuffer is stderr shared with the command's goroutine; ready is
// closed at the first write, the "watching" line.
type lockedBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.once.Do(func() { close(b.ready) })
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
