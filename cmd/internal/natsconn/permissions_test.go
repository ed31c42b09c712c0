package natsconn_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections/notifier"
)

const stream = "FBSESSION_NOTIFICATIONS"

// The server configuration of docker-compose.yml lets fbsessiond keep its
// stream and publish notifications, and nobody else in.
func TestComposeNATSConfig(t *testing.T) {
	t.Setenv("FBSESSION_NATS_PASSWORD", "pub-s3cret")
	url := runConfig(t, "../../../deploy/nats.conf")
	_, err := nats.Connect(url)
	require.ErrorIs(t, err, nats.ErrAuthorization)
	js := checkPublisher(t, url)
	checkCheckpointer(t, url, js)
}

// checkCheckpointer checks that fbsessiond may do what its checkpointer
// does: keep the checkpoint stream and publish signed checkpoints there,
// which stay out of its reach to delete.
func checkCheckpointer(t *testing.T, url string, js jetstream.JetStream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b := storetest.SQLite(t, storetest.Options{})
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	cp, err := audit.Checkpoint(ctx, b.Store, key)
	require.NoError(t, err)
	stream := &audit.CheckpointStream{JetStream: js, Stream: "FBSESSION_CHECKPOINTS", Prefix: "gws.v2"}
	require.NoError(t, stream.Ensure(ctx), "create")
	require.NoError(t, stream.Ensure(ctx), "update")
	require.NoError(t, stream.Publish(ctx, cp))
	latest, err := stream.Latest(ctx)
	require.NoError(t, err)
	require.Equal(t, cp.ID(), latest.ID())
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	defer cancelShort()
	require.Error(t, js.DeleteStream(short, "FBSESSION_CHECKPOINTS"), "fbsessiond deleted the checkpoints")
	denied(t, url, "fbsessiond", "pub-s3cret", func(nc *nats.Conn) error {
		return nc.Publish("gws.v2.checkpoints.elsewhere", []byte(`{}`))
	})
}

// The configuration of docs/NATS.md gives a desktop its own agent's
// notifications, live or from the stream, and nothing else.
func TestDocumentedNATSPermissions(t *testing.T) {
	t.Setenv("FBSESSION_NATS_PASSWORD", "pub-s3cret")
	t.Setenv("AGENT_A1_NATS_PASSWORD", "a1-s3cret")
	t.Setenv("WATCH_NATS_PASSWORD", "watch-s3cret")
	doc, err := os.ReadFile("../../../docs/NATS.md")
	require.NoError(t, err)
	block := regexp.MustCompile("(?s)```conf\n(.*?)```").FindSubmatch(doc)
	require.NotNil(t, block, "no ```conf block in docs/NATS.md")
	path := filepath.Join(t.TempDir(), "nats.conf")
	require.NoError(t, os.WriteFile(path, block[1], 0o600))
	url := runConfig(t, path)
	_, err = nats.Connect(url)
	require.ErrorIs(t, err, nats.ErrAuthorization)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Live: its own subjects only, and it cannot publish there.
	a1 := login(t, url, "a1", "a1-s3cret", nats.CustomInboxPrefix("_INBOX_a1"))
	live, err := a1.SubscribeSync("gws.v2.users.a1.facebooksession.>")
	require.NoError(t, err)
	require.NoError(t, a1.Flush())
	js := checkPublisher(t, url)
	checkCheckpointer(t, url, js)
	_, err = js.Publish(ctx, "gws.v2.users.a1.facebooksession.s2", []byte(`{"n":2}`))
	require.NoError(t, err)
	_, err = live.NextMsg(5 * time.Second)
	require.NoError(t, err)
	denied(t, url, "a1", "a1-s3cret", func(nc *nats.Conn) error {
		_, err := nc.SubscribeSync("gws.v2.users.a2.facebooksession.>")
		return err
	})
	// Its channel states too, and not another agent's.
	chans, err := a1.SubscribeSync("gws.v2.users.a1.channels")
	require.NoError(t, err)
	require.NoError(t, a1.Flush())
	_, err = js.Publish(ctx, "gws.v2.users.a1.channels", []byte(`{"messageType":"ChannelStateChangeMessageV2"}`))
	require.NoError(t, err)
	_, err = chans.NextMsg(5 * time.Second)
	require.NoError(t, err)
	denied(t, url, "a1", "a1-s3cret", func(nc *nats.Conn) error {
		_, err := nc.SubscribeSync("gws.v2.users.a2.channels")
		return err
	})
	denied(t, url, "a1", "a1-s3cret", func(nc *nats.Conn) error {
		return nc.Publish("gws.v2.users.a1.facebooksession.s1", []byte(`{"fake":true}`))
	})

	// From the stream: its consumer, filtered to its subjects.
	a1js, err := jetstream.New(a1)
	require.NoError(t, err)
	cons, err := a1js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Name: "desk-a1", FilterSubject: "gws.v2.users.a1.facebooksession.>", AckPolicy: jetstream.AckExplicitPolicy,
	})
	require.NoError(t, err)
	batch, err := cons.Fetch(10, jetstream.FetchMaxWait(2*time.Second))
	require.NoError(t, err)
	var got []string
	for m := range batch.Messages() {
		got = append(got, m.Subject())
		require.NoError(t, m.Ack())
	}
	require.NoError(t, batch.Error())
	require.Equal(t, []string{"gws.v2.users.a1.facebooksession.s1", "gws.v2.users.a1.facebooksession.s2"}, got)
	_, err = a1js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Name: "desk-a1", FilterSubject: "gws.v2.users.a1.>", AckPolicy: jetstream.AckExplicitPolicy,
	})
	require.NoError(t, err, "a1's consumer of all its subjects")
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	defer cancelShort()
	_, err = a1js.CreateOrUpdateConsumer(short, stream, jetstream.ConsumerConfig{
		Name: "desk-a1", FilterSubject: "gws.v2.users.a2.facebooksession.>",
	})
	require.Error(t, err, "a1 made a consumer of a2's notifications")
	require.Error(t, a1js.DeleteStream(short, stream))

	// The operator's watch: everyone's, live, publishing nothing.
	w := login(t, url, "watch", "watch-s3cret")
	_, err = w.SubscribeSync("gws.v2.users.*.facebooksession.>")
	require.NoError(t, err)
	_, err = w.SubscribeSync("gws.v2.users.*.channels")
	require.NoError(t, err)
	denied(t, url, "watch", "watch-s3cret", func(nc *nats.Conn) error {
		return nc.Publish("gws.v2.users.a1.facebooksession.s1", []byte(`{}`))
	})
}

// checkPublisher checks that fbsessiond may do what the notifier does,
// and not more; it leaves one notification for a1 in the stream.
func checkPublisher(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc := login(t, url, "fbsessiond", "pub-s3cret")
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	// As notifier.Notifier.EnsureStream and Start.
	cfg := jetstream.StreamConfig{Name: stream, Subjects: []string{"gws.v2.users.>", "gws.v2.integration.>"}, Storage: jetstream.FileStorage, Duplicates: time.Minute}
	_, err = js.CreateOrUpdateStream(ctx, cfg)
	require.NoError(t, err)
	_, err = js.CreateOrUpdateStream(ctx, cfg)
	require.NoError(t, err)
	msg := nats.NewMsg("gws.v2.users.a1.facebooksession.s1")
	msg.Data = []byte(`{"n":1}`)
	msg.Header.Set(jetstream.MsgIDHeader, "k1")
	f, err := js.PublishMsgAsync(msg)
	require.NoError(t, err)
	select {
	case <-f.Ok():
	case err := <-f.Err():
		t.Fatal(err)
	case <-ctx.Done():
		t.Fatal("no ack")
	}
	// The connector's copy of every change, on the integration subject.
	in := nats.NewMsg("gws.v2.integration.facebooksession.s1")
	in.Data = []byte(`{"n":1}`)
	in.Header.Set(jetstream.MsgIDHeader, "k1:i")
	_, err = js.PublishMsg(ctx, in)
	require.NoError(t, err)
	// The notifications, which it relays to the CometD clients it holds:
	// agents' their own, supervisors' every agent's channels and every
	// session's integration subject.
	for _, subject := range []string{"gws.v2.users.*.facebooksession.>", "gws.v2.users.*.channels", "gws.v2.integration.facebooksession.*"} {
		sub, err := nc.SubscribeSync(subject)
		require.NoError(t, err)
		require.NoError(t, nc.Flush())
		require.NoError(t, nc.LastError(), subject)
		require.NoError(t, sub.Unsubscribe())
	}
	// As the notifier's check at each start, and its duplicate check:
	// read the stream through an ordered consumer, and a message of it.
	report, err := notifier.FindLost(ctx, js, storetest.SQLite(t, storetest.Options{}).Store, notifier.FindLostParams{Stream: stream})
	require.NoError(t, err, "read the stream")
	require.Equal(t, 2, report.Messages)
	s0, err := js.Stream(ctx, stream)
	require.NoError(t, err)
	_, err = s0.GetMsg(ctx, 1)
	require.NoError(t, err, "get a message")
	denied(t, url, "fbsessiond", "pub-s3cret", func(nc *nats.Conn) error { return nc.Publish("elsewhere", []byte(`{}`)) })
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	defer cancelShort()
	s, err := js.Stream(ctx, stream)
	require.NoError(t, err)
	require.Error(t, s.Purge(short), "fbsessiond purged the stream")
	return js
}

func runConfig(t *testing.T, path string) string {
	t.Helper()
	opts, err := server.ProcessConfigFile(path)
	require.NoError(t, err)
	opts.StoreDir = t.TempDir()
	opts.HTTPPort = 0
	return run(t, opts).ClientURL()
}

func login(t *testing.T, url, user, password string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	// The server's refusals are what the tests check: no need to print them.
	quiet := nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})
	nc, err := nats.Connect(url, append(opts, nats.UserInfo(user, password), quiet)...)
	require.NoError(t, err, user)
	t.Cleanup(nc.Close)
	return nc
}

// denied checks that the server refuses what f does as user, on a
// connection of its own (a connection's last error sticks).
func denied(t *testing.T, url, user, password string, f func(*nats.Conn) error) {
	t.Helper()
	nc := login(t, url, user, password)
	require.NoError(t, f(nc))
	require.NoError(t, nc.Flush())
	require.ErrorIs(t, nc.LastError(), nats.ErrPermissionViolation)
}
