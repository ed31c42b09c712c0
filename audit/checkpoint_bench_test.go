package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/internal/storetest"
)

// BenchmarkCheckpoint measures, on PostgreSQL, a checkpoint (a chains-only
// pass over the whole log, then a signature) and a verification against it
// (the full verify plus the heads check), and the checkpoint's size as
// JSON. FBSESSION_BENCH_SESSIONS sets the number of sessions of three
// events (default 5000), made through the command handler.
func BenchmarkCheckpoint(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("FBSESSION_BENCH_SESSIONS")); err == nil {
		n = v
	}
	ctx := context.Background()
	be := storetest.Postgres(b, storetest.Options{})
	h := commands.NewHandler(be.Store)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				id := fmt.Sprintf("bench-%07d", i)
				q := "q"
				_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1", UserData: []byte(`{"k":"v"}`)})
				if err == nil {
					_, err = h.Operate(ctx, commands.Request{Actor: "a1"}, id, fb.Complete{By: "a1", QueueName: &q})
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.Logf("made %d sessions in %s", n, time.Since(start).Round(time.Millisecond))
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var create, verify time.Duration
	var cp *audit.SignedCheckpoint
	for range b.N {
		t0 := time.Now()
		cp, err = audit.Checkpoint(ctx, be.Store, priv)
		if err != nil {
			b.Fatal(err)
		}
		create += time.Since(t0)
		t0 = time.Now()
		r, err := audit.VerifySince(ctx, be.Store, cp, pub, audit.VerifyParams{})
		if err != nil || !r.OK() {
			b.Fatal(err, r)
		}
		verify += time.Since(t0)
	}
	data, _ := json.Marshal(cp)
	b.ReportMetric(float64(cp.Events)*float64(b.N)/create.Seconds(), "checkpoint-events/s")
	b.ReportMetric(float64(cp.Events)*float64(b.N)/verify.Seconds(), "verify-since-events/s")
	b.ReportMetric(float64(len(data))/float64(cp.Streams), "bytes/stream")
}
