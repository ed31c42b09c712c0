package embeddednats_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/embeddednats"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

func start(t *testing.T, dir string) string {
	t.Helper()
	ns, err := embeddednats.Run(embeddednats.Config{Addr: "127.0.0.1:-1", DataDir: dir, SubjectPrefix: "gws.v2"})
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

// The server refuses clients without the credentials it generated, which
// only the data directory's owner can read.
func TestRequiresGeneratedCredentials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url := start(t, dir)

	_, err := nats.Connect(url)
	require.ErrorIs(t, err, nats.ErrAuthorization)
	_, err = nats.Connect(url, nats.UserInfo("fbsessiond", "guess"))
	require.ErrorIs(t, err, nats.ErrAuthorization)

	info, err := os.Stat(filepath.Join(dir, natsconn.EmbeddedFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	creds, err := natsconn.ReadEmbedded(dir)
	require.NoError(t, err)
	require.Len(t, creds.Publisher.Password, 48)
	require.NotEqual(t, creds.Publisher.Password, creds.Subscriber.Password)

	// The publisher manages the stream and publishes.
	pub := connect(t, url, natsconn.Publisher, dir)
	js, err := jetstream.New(pub)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "N", Subjects: []string{"gws.v2.users.*.facebooksession.>"}})
	require.NoError(t, err)

	// The subscriber reads notifications...
	sub := connect(t, url, natsconn.Subscriber, dir)
	s, err := sub.SubscribeSync("gws.v2.users.a1.facebooksession.>")
	require.NoError(t, err)
	require.NoError(t, sub.Flush())
	_, err = js.Publish(ctx, "gws.v2.users.a1.facebooksession.s1", []byte(`{"real":true}`))
	require.NoError(t, err)
	m, err := s.NextMsg(5 * time.Second)
	require.NoError(t, err)
	require.JSONEq(t, `{"real":true}`, string(m.Data))

	// ...but can neither publish a fake, nor use the JetStream API (purge).
	require.NoError(t, sub.Publish("gws.v2.users.a1.facebooksession.s1", []byte(`{"fake":true}`)))
	require.NoError(t, sub.Flush())
	_, err = s.NextMsg(300 * time.Millisecond)
	require.ErrorIs(t, err, nats.ErrTimeout, "a fake from the subscriber arrived")
	subJS, err := jetstream.New(sub)
	require.NoError(t, err)
	pctx, pcancel := context.WithTimeout(ctx, time.Second)
	defer pcancel()
	require.Error(t, subJS.DeleteStream(pctx, "N"))
	stream, err := js.Stream(ctx, "N")
	require.NoError(t, err)
	require.Equal(t, uint64(1), stream.CachedInfo().State.Msgs)

	// A restart keeps the credentials.
	again, err := natsconn.LoadOrCreateEmbedded(dir)
	require.NoError(t, err)
	require.Equal(t, creds, again)
}

func connect(t *testing.T, url string, role natsconn.Role, dir string) *nats.Conn {
	t.Helper()
	opts, err := natsconn.Options(natsconn.Settings{DataDir: dir}, role)
	require.NoError(t, err)
	nc, err := nats.Connect(url, opts...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}
