package ctl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/cmd/internal/embeddednats"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

// watchStream runs fbsessionctl watch with exactly args.
func watchStream(t *testing.T, args ...string) (started <-chan struct{}, result <-chan string) {
	t.Helper()
	ready := make(chan struct{})
	done := make(chan string, 1)
	stderr := &lockedBuffer{ready: ready}
	go func() {
		var out bytes.Buffer
		c := &ctl.CLI{Out: &out, Err: stderr, In: strings.NewReader("")}
		cmd := c.Command()
		cmd.SetArgs(append([]string{"watch"}, args...))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cmd.ExecuteContext(ctx); err != nil {
			done <- "error: " + err.Error() + "\n" + stderr.String()
			return
		}
		done <- out.String()
	}()
	return ready, done
}

// replayScenario publishes, to a stream of notifications on prefix, two
// notifications (sessions s1, s2) that --since leaves out, then, 3 s
// later, two it takes; then checks what watch prints, replayed and live,
// with conn (the flags naming the server) and sends a live one through
// pub. Last, it checks that watch published nothing itself.
func replayScenario(t *testing.T, pub *nats.Conn, prefix, stream string, conn ...string) {
	js, err := jetstream.New(pub)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{prefix + ".users.>"}, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), stream) })
	everything, err := pub.SubscribeSync(prefix + ".>")
	require.NoError(t, err)
	require.NoError(t, pub.Flush())
	var sent []string
	publish := func(user, session, state string) {
		t.Helper()
		subject := prefix + ".users." + user + ".facebooksession." + session
		data := fmt.Sprintf(`{"id": %q, "state": %q}`, session, state)
		_, err := js.Publish(ctx, subject, []byte(data))
		require.NoError(t, err)
		sent = append(sent, subject+" "+data)
	}
	publish("a1", "s1", "old")
	publish("a2", "s2", "old")
	// The server stored both before it acknowledged them.
	oldStored := time.Now()
	time.Sleep(3 * time.Second)
	publish("a1", "s1", "recent")
	publish("a2", "s2", "recent")
	// since is a --since that starts just after the old notifications,
	// counted from now: the recent ones, 3 s younger, stay in it however
	// long the earlier runs took, and however slowly watch starts (up to
	// nearly 3 s). A fixed --since would drop them under load.
	since := func() string { return (time.Since(oldStored) - 10*time.Millisecond).String() }

	conn = append(conn, "--stream", stream, "--subject-prefix", prefix)
	run := func(live [3]string, args ...string) string {
		t.Helper()
		started, result := watchStream(t, append(args, conn...)...)
		select {
		case <-started:
		case out := <-result:
			t.Fatal(out)
		}
		if live[0] != "" {
			publish(live[0], live[1], live[2])
		}
		select {
		case out := <-result:
			return out
		case <-time.After(25 * time.Second):
			t.Fatal("watch printed too little")
			return ""
		}
	}
	none := [3]string{}

	// --all: everything the stream kept, in order, then live.
	require.Equal(t, `{"id":"s1","state":"old"}`+"\n"+`{"id":"s1","state":"recent"}`+"\n"+`{"id":"s1","state":"live"}`+"\n",
		run([3]string{"a1", "s1", "live"}, "--all", "--session", "s1", "--json", "--count", "3"))
	// --since: only what is younger; every session.
	require.Equal(t, `{"id":"s1","state":"recent"}`+"\n"+`{"id":"s2","state":"recent"}`+"\n",
		run(none, "--since", since(), "--json", "--count", "2"))
	// --since with --user.
	require.Equal(t, `{"id":"s2","state":"recent"}`+"\n"+`{"id":"s2","state":"live2"}`+"\n",
		run([3]string{"a2", "s2", "live2"}, "--since", since(), "--user", "a2", "--json", "--count", "2"))
	// Replayed and live notifications print alike.
	text := func(state string) string {
		return "# " + prefix + ".users.a1.facebooksession.s1\n{\n  \"id\": \"s1\",\n  \"state\": \"" + state + "\"\n}\n"
	}
	require.Equal(t, text("recent")+text("live")+text("live3"),
		run([3]string{"a1", "s1", "live3"}, "--since", since(), "--session", "s1", "--count", "3"))
	// Without --since or --all, live only, --session filtering too.
	require.Equal(t, `{"id":"s2","state":"live4"}`+"\n",
		run([3]string{"a2", "s2", "live4"}, "--session", "s2", "--json", "--count", "1"))

	// Every notification is one the test published: watch published
	// nothing, though on the in-process server it connects as the
	// publisher.
	require.NoError(t, pub.Flush())
	var got []string
	for {
		m, err := everything.NextMsg(200 * time.Millisecond)
		if errors.Is(err, nats.ErrTimeout) {
			break
		}
		require.NoError(t, err)
		got = append(got, m.Subject+" "+string(m.Data))
	}
	require.Equal(t, sent, got)
}

// On the in-process server (NATS 2.15), with the data directory's
// credentials.
func TestWatchReplaysTheStreamEmbedded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ns, err := embeddednats.Run(embeddednats.Config{Addr: "127.0.0.1:-1", DataDir: dir, SubjectPrefix: "gws.v2"})
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)
	opts, err := natsconn.Options(natsconn.Settings{DataDir: dir}, natsconn.Publisher)
	require.NoError(t, err)
	pub, err := nats.Connect(ns.ClientURL(), opts...)
	require.NoError(t, err)
	t.Cleanup(pub.Close)
	replayScenario(t, pub, "gws.v2", "N", "--data-dir", dir, "--nats-listen", strings.TrimPrefix(ns.ClientURL(), "nats://"))
}

// On the external NATS of TEST_NATS_URL (Debian's 2.9 in CI).
func TestWatchReplaysTheStreamExternal(t *testing.T) {
	t.Parallel()
	url := os.Getenv("TEST_NATS_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TEST_NATS_URL is not set")
		}
		t.Skip("TEST_NATS_URL is not set")
	}
	pub, err := nats.Connect(url)
	require.NoError(t, err)
	t.Cleanup(pub.Close)
	unique := fmt.Sprintf("w%d", time.Now().UnixNano())
	replayScenario(t, pub, "test."+unique, "WATCH_"+unique, "--nats-url", url)
}

// A stream that is not there is named in the error.
func TestWatchNamesAMissingStream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ns, err := embeddednats.Run(embeddednats.Config{Addr: "127.0.0.1:-1", DataDir: dir, SubjectPrefix: "gws.v2"})
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)
	_, result := watchStream(t, "--all", "--stream", "NOPE", "--data-dir", dir, "--nats-listen", strings.TrimPrefix(ns.ClientURL(), "nats://"))
	out := <-result
	require.Contains(t, out, "error: stream NOPE")
	require.Contains(t, out, "not found")
}
