package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
)

// duringScan is a store that runs hook once, at the first ScanStreams,
// before the scan reads anything: appends made while a checkpoint reads
// the log, deterministically.
type duringScan struct {
	eventstore.Driver
	once sync.Once
	hook func()
}

func (d *duringScan) ScanStreams(ctx context.Context, p *eventstore.ScanStreamsParams) ([]eventstore.RecordedEvent, error) {
	d.once.Do(d.hook)
	return d.Driver.ScanStreams(ctx, p)
}

// upTo is the log up to position: every stream's events by version.
func upTo(t *testing.T, s eventstore.Scanner, position int64) map[string]map[int64]eventstore.RecordedEvent {
	t.Helper()
	log := map[string]map[int64]eventstore.RecordedEvent{}
	for from := int64(1); from <= position; {
		page, err := s.ReadRange(context.Background(), &eventstore.ReadRangeParams{From: from, To: position, Limit: 1000})
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if log[e.StreamID] == nil {
				log[e.StreamID] = map[int64]eventstore.RecordedEvent{}
			}
			log[e.StreamID][e.Version] = e
		}
		from = page[len(page)-1].Position + 1
	}
	return log
}

// requireConsistent checks that every head of cp is an event of the log
// at or below cp.Position, with the hash signed, and that the counts are
// those of the heads. exact: each head is also its stream's last event at
// or below cp.Position, and no stream with such an event is missing.
func requireConsistent(t *testing.T, s eventstore.Scanner, cp *audit.SignedCheckpoint, exact bool) {
	t.Helper()
	log := upTo(t, s, cp.Position)
	var events int64
	heads := map[string]int64{}
	for _, h := range cp.Heads {
		e, ok := log[h.StreamID][h.Version]
		require.True(t, ok, "%s v%d is not at or below the checkpoint's position %d", h.StreamID, h.Version, cp.Position)
		require.Equal(t, h.Hash, hex.EncodeToString(e.Hash), h.StreamID)
		events += h.Version
		heads[h.StreamID] = h.Version
	}
	require.Equal(t, int64(len(cp.Heads)), cp.Streams)
	require.Equal(t, events, cp.Events)
	if exact {
		last := map[string]int64{}
		for id, versions := range log {
			last[id] = int64(len(versions))
		}
		require.Equal(t, last, heads)
	}
}

// Events appended while a checkpoint reads the log are left out of it:
// heads, counts and position describe the log at the position signed.
func TestCheckpointLeavesOutAppendsDuringTheScan(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		startSession(t, e, "s1")
		e.session(t, "s2", "")
		head, err := e.store.Head(ctx)
		require.NoError(t, err)
		before := map[string][]eventstore.RecordedEvent{"s1": e.events(t, "s1"), "s2": e.events(t, "s2")}

		s := &duringScan{Driver: e.store, hook: func() {
			_, err := e.cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
			require.NoError(t, err)
			startSession(t, e, "s0") // a stream the scan reaches first
			startSession(t, e, "s9") // and one it reaches last
		}}
		cp, err := audit.Checkpoint(ctx, s, priv)
		require.NoError(t, err)
		require.Greater(t, len(e.events(t, "s1")), len(before["s1"]), "the hook did not append")

		require.Equal(t, head, cp.Position)
		require.Equal(t, int64(2), cp.Streams)
		require.Equal(t, int64(len(before["s1"])+len(before["s2"])), cp.Events)
		for i, id := range []string{"s1", "s2"} {
			last := before[id][len(before[id])-1]
			require.Equal(t, audit.Head{StreamID: sessionlog.StreamID(id), Version: last.Version, Hash: hex.EncodeToString(last.Hash)}, cp.Heads[i])
		}
		requireConsistent(t, e.store, cp, true)
		r, err := audit.VerifySince(ctx, e.store, cp, pub, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, r.OK(), "%+v", r.Problems)
		require.Equal(t, int64(4), r.Streams)
	})
}

// Checkpoints taken while appends race them are each exactly the log at
// their position, on PostgreSQL too, where appends commit out of position
// order (the checkpoint waits for those in flight), and the log extends
// every one.
func TestCheckpointRacingAppends(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		e := &env{store: b.Store, cmds: newHandler(b), tamper: b.Tamper}
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		for i := range 100 {
			startSession(t, e, fmt.Sprintf("pre-%03d", i))
		}

		stop := make(chan struct{})
		var appended atomic.Int64
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					// Some new streams, some grown ones, on both sides of
					// where the scan is.
					id := fmt.Sprintf("race-%d-%05d", w, i)
					if _, err := e.cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1", UserData: []byte(`{}`)}); err != nil {
						t.Error(err)
						return
					}
					pre := fmt.Sprintf("pre-%03d", (w*25+i)%100)
					if _, err := e.cmds.Operate(ctx, commands.Request{Actor: "a1"}, pre, fb.Complete{By: "a1"}); err != nil && i < 25 {
						t.Error(err) // later, the session is already completed
						return
					}
					appended.Add(1)
				}
			}()
		}
		// Stopped before the store closes, however the test ends.
		stopAppends := sync.OnceFunc(func() { close(stop); wg.Wait() })
		defer stopAppends()
		var cps []*audit.SignedCheckpoint
		deadline := time.Now().Add(time.Minute)
		for (len(cps) < 5 || appended.Load() < 20) && time.Now().Before(deadline) {
			cp, err := audit.Checkpoint(ctx, b.Store, priv)
			require.NoError(t, err)
			requireConsistent(t, b.Store, cp, true)
			cps = append(cps, cp)
			time.Sleep(time.Millisecond)
		}
		stopAppends()
		require.GreaterOrEqual(t, appended.Load(), int64(20), "too few appends raced the checkpoints")
		if len(cps) > 6 { // each VerifySince reads the whole log
			cps = append(cps[:1], cps[len(cps)-5:]...)
		}
		for _, cp := range cps {
			r, err := audit.VerifySince(ctx, b.Store, cp, pub, audit.VerifyParams{})
			require.NoError(t, err)
			require.True(t, r.OK(), "%+v", r.Problems)
		}
	})
}
