package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// TestScalingJetStreamLog tries JetStream as the event log (docs/SCALING.md):
// optimistic concurrency per session with Nats-Expected-Last-Subject-Sequence,
// a Complete's two events as one guarded message or one atomic batch, and
// the rate of guarded appends from 64 writers, with and without an fsync
// per message. On an embedded server; run with FBSESSION_SCALING_JETSTREAM=1.
func TestScalingJetStreamLog(t *testing.T) {
	if os.Getenv("FBSESSION_SCALING_JETSTREAM") == "" {
		t.Skip("set FBSESSION_SCALING_JETSTREAM=1")
	}
	for _, syncAlways := range []bool{false, true} {
		t.Run(fmt.Sprintf("sync_always=%v", syncAlways), func(t *testing.T) { jetStreamLog(t, syncAlways) })
	}
}

func jetStreamLog(t *testing.T, syncAlways bool) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), SyncAlways: syncAlways, NoSigs: true, NoLog: true})
	require.NoError(t, err)
	ns.Start()
	t.Cleanup(ns.Shutdown)
	require.True(t, ns.ReadyForConnections(10*time.Second))
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx := t.Context()
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "EVENTS", Subjects: []string{"events.>"}, Storage: jetstream.FileStorage, AllowAtomicPublish: true})
	require.NoError(t, err)
	event := strings.Repeat("x", 2048)

	// Of 10 appends racing at one version, one wins.
	ack, err := js.Publish(ctx, "events.s1", []byte(event), jetstream.WithExpectLastSequencePerSubject(0))
	require.NoError(t, err)
	var wins, conflicts atomic.Int64
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, err := js.Publish(ctx, "events.s1", []byte(event), jetstream.WithExpectLastSequencePerSubject(ack.Sequence))
			if err == nil {
				wins.Add(1)
			} else if strings.Contains(err.Error(), "wrong last sequence") {
				conflicts.Add(1)
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 1, wins.Load())
	require.EqualValues(t, 9, conflicts.Load())

	// Two events as one atomic batch, guarded: all or nothing.
	batch := func(subject string, expect uint64, id string) error {
		m := nats.NewMsg(subject)
		m.Data = []byte(event)
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", "1")
		m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expect, 10))
		if err := nc.PublishMsg(m); err != nil {
			return err
		}
		m = nats.NewMsg(subject)
		m.Data = []byte(event)
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", "2")
		m.Header.Set("Nats-Batch-Commit", "1")
		r, err := nc.RequestMsg(m, 5*time.Second)
		if err != nil {
			return err
		}
		if strings.Contains(string(r.Data), `"error"`) {
			return fmt.Errorf("%s", r.Data)
		}
		return nil
	}
	msgs := func() uint64 {
		s, err := js.Stream(ctx, "EVENTS")
		require.NoError(t, err)
		return s.CachedInfo().State.Msgs
	}
	n0 := msgs()
	require.ErrorContains(t, batch("events.s1", 1, "b1"), "wrong last sequence")
	require.Equal(t, n0, msgs())
	require.NoError(t, batch("events.s1", 2, "b2"))
	require.Equal(t, n0+2, msgs())

	rate := func(what string, appendOne func(w, i int) error) {
		var n atomic.Int64
		lat := make([][]time.Duration, 64)
		end := time.Now().Add(5 * time.Second)
		for w := range 64 {
			wg.Go(func() {
				for i := 0; time.Now().Before(end); i++ {
					t0 := time.Now()
					if err := appendOne(w, i); err != nil {
						t.Error(err)
						return
					}
					lat[w] = append(lat[w], time.Since(t0))
					n.Add(1)
				}
			})
		}
		wg.Wait()
		all := slices.Concat(lat...)
		slices.Sort(all)
		t.Logf("64 writers, %s: %.0f/s, p50 %.1f ms, p99 %.1f ms", what, float64(n.Load())/5,
			ms(all[len(all)/2]), ms(all[len(all)*99/100]))
	}
	two := []byte(event + event)
	rate("guarded appends of one message holding both events", func(w, i int) error {
		_, err := js.Publish(context.Background(), fmt.Sprintf("events.m%d-%d", w, i), two, jetstream.WithExpectLastSequencePerSubject(0))
		return err
	})
	rate("guarded 2-event atomic batches", func(w, i int) error {
		return batch(fmt.Sprintf("events.b%d-%d", w, i), 0, fmt.Sprintf("b%d-%d", w, i))
	})
}
