package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections/natstest"
)

// losingLeases grant a lease that is lost as soon as the log is scanned,
// as a PostgreSQL advisory lock is when its connection breaks during a
// long scan.
type losingLeases struct {
	mu       sync.Mutex
	current  *lostLease
	granted  atomic.Int64
	released atomic.Int64
}

type lostLease struct {
	leases *losingLeases
	lost   chan struct{}
	once   sync.Once
}

func (l *losingLeases) Lease(context.Context, *eventstore.LeaseParams) (eventstore.Lease, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.current = &lostLease{leases: l, lost: make(chan struct{})}
	l.granted.Add(1)
	return l.current, nil
}

// lose closes the lost channel of the lease granted last.
func (l *losingLeases) lose() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.current.once.Do(func() { close(l.current.lost) })
}

func (l *lostLease) Lost() <-chan struct{} { return l.lost }
func (l *lostLease) Release()              { l.leases.released.Add(1) }

// losesLeaseOnScan is a store whose every scan loses the checkpointer's
// lease before it returns.
type losesLeaseOnScan struct {
	eventstore.Driver
	leases *losingLeases
}

func (s *losesLeaseOnScan) ScanStreams(ctx context.Context, p *eventstore.ScanStreamsParams) ([]eventstore.RecordedEvent, error) {
	page, err := s.Driver.ScanStreams(ctx, p)
	s.leases.lose()
	return page, err
}

// lockedBuffer is a log output written by the checkpointer's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A checkpointer whose lease is lost while it scans the log publishes
// nothing: another process may hold the lease by then.
func TestCheckpointerPublishesNothingOnALostLease(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := storetest.SQLite(t, storetest.Options{})
	startSession(t, &env{store: b.Store, cmds: newHandler(b)}, "s1")
	s := checkpointStream(t, natstest.Servers(t)["embedded"])
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	leases := &losingLeases{}
	var logs lockedBuffer
	cp := &audit.Checkpointer{Interval: 10 * time.Millisecond, Signer: priv, Stream: s, Leases: leases,
		Store:  &losesLeaseOnScan{Driver: b.Store, leases: leases},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	done := make(chan error, 1)
	go func() { done <- cp.Run(ctx) }()
	require.Eventually(t, func() bool { return leases.released.Load() >= 3 }, 10*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)

	require.Contains(t, logs.String(), "the lease was lost")
	require.NotContains(t, logs.String(), "checkpoint published")
	_, err = s.Latest(context.Background())
	require.ErrorIs(t, err, audit.ErrNoCheckpoint)
	require.Equal(t, leases.granted.Load(), leases.released.Load())
}
