package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections/natstest"
)

func checkpointStream(t *testing.T, url string) *audit.CheckpointStream {
	t.Helper()
	js, err := jetstream.New(natstest.Connect(t, url))
	require.NoError(t, err)
	s := &audit.CheckpointStream{JetStream: js, Stream: natstest.Unique("CP_"), Prefix: natstest.Unique("cp")}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), s.Stream) })
	return s
}

// A checkpoint too large for one NATS message comes back whole, and the
// newest one is the one read.
func TestCheckpointStreamRoundTrip(t *testing.T) {
	t.Parallel()
	for name, url := range natstest.Servers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := checkpointStream(t, url)
			_, err := s.Latest(ctx)
			require.ErrorIs(t, err, audit.ErrNoCheckpoint)
			require.NoError(t, s.Ensure(ctx))
			_, err = s.Latest(ctx)
			require.ErrorIs(t, err, audit.ErrNoCheckpoint)

			pub, priv, err := ed25519.GenerateKey(rand.Reader)
			require.NoError(t, err)
			for _, streams := range []int{3, 20_000} { // 20,000 heads: about 2.4 MB, 5 messages
				c := &audit.SignedCheckpoint{Format: audit.CheckpointFormat, Created: time.Now().UTC(),
					Position: int64(streams), Streams: int64(streams), Events: int64(streams), KeyID: audit.KeyID(pub)}
				for i := range streams {
					c.Heads = append(c.Heads, audit.Head{StreamID: fmt.Sprintf("facebooksession-%016d", i), Version: 1,
						Hash: fmt.Sprintf("%064x", i)})
				}
				c.HeadsDigest = audit.HeadsDigest(c.Heads)
				c.Signature = ed25519.Sign(priv, c.Statement())
				require.NoError(t, s.Publish(ctx, c))

				got, err := s.Latest(ctx)
				require.NoError(t, err)
				require.NoError(t, got.Check(pub))
				require.Equal(t, c.ID(), got.ID())
				require.Len(t, got.Heads, streams)
			}
		})
	}
}

// The checkpointer publishes a checkpoint that the log, grown since,
// extends.
func TestCheckpointerPublishes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := storetest.Postgres(t, storetest.Options{})
	e := &env{store: b.Store, cmds: newHandler(b), clock: nil, tamper: b.Tamper}
	s := checkpointStream(t, natstest.Servers(t)["embedded"])
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	startSession(t, e, "s1")

	done := make(chan error, 1)
	cp := &audit.Checkpointer{Interval: 20 * time.Millisecond, Store: b.Store, Signer: priv, Stream: s, Leases: b.Store}
	go func() { done <- cp.Run(ctx) }()
	var latest *audit.SignedCheckpoint
	require.Eventually(t, func() bool {
		latest, err = s.Latest(ctx)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	startSession(t, e, "s2")
	require.Eventually(t, func() bool {
		latest, err = s.Latest(ctx)
		return err == nil && latest.Streams == 2
	}, 10*time.Second, 20*time.Millisecond)
	cancel()
	require.NoError(t, <-done)

	startSession(t, e, "s3")
	r, err := audit.VerifySince(context.Background(), b.Store, latest, pub, audit.VerifyParams{})
	require.NoError(t, err)
	require.True(t, r.OK(), "%+v", r.Problems)
}

// A checkpointer started while NATS is down publishes once it is up.
func TestCheckpointerWaitsForNATS(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := storetest.SQLite(t, storetest.Options{})
	startSession(t, &env{store: b.Store, cmds: newHandler(b)}, "s1")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", port), nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	s := &audit.CheckpointStream{JetStream: js, Stream: natstest.Unique("CP_"), Prefix: natstest.Unique("cp")}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	done := make(chan error, 1)
	// Observe is told of the failures, then of the success.
	var failed, published atomic.Int32
	cp := &audit.Checkpointer{Interval: 20 * time.Millisecond, Store: b.Store, Signer: priv, Stream: s,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Observe: func(err error) {
			if err != nil {
				failed.Add(1)
			} else {
				published.Add(1)
			}
		}}
	go func() { done <- cp.Run(ctx) }()
	require.Eventually(t, func() bool { return failed.Load() > 0 }, 10*time.Second, 10*time.Millisecond, "no failure observed")
	require.Zero(t, published.Load())
	natstest.RunServer(t, "", port)
	require.Eventually(t, func() bool {
		c, err := s.Latest(ctx)
		return err == nil && c.Streams == 1
	}, 10*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return published.Load() > 0 }, 10*time.Second, 10*time.Millisecond, "no success observed")
	cancel()
	require.NoError(t, <-done)
}
