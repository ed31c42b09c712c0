package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

// BenchmarkAppend measures appends of a Complete-sized write (2 events of
// ~2 KB JSON, new stream) at 1, 16 and 64 concurrent appenders, next to a
// raw pgx baseline inserting the same rows with the same one multi-row
// INSERT but none of the store's work (no hashing, no id or version
// stamping, no error mapping). One op is one append; metrics:
//
//	events/s      the store
//	raw-events/s  the baseline, measured in the same run just before
//	ratio         events/s ÷ raw-events/s
func BenchmarkAppend(b *testing.B) {
	for _, clients := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchAppend(b, clients, 0) })
	}
}

// BenchmarkAppendWithDeadline is BenchmarkAppend with each append under a
// request's deadline, as the API's are: the commit then runs apart from
// its caller, who is answered at the deadline if it passes (appendAlone).
func BenchmarkAppendWithDeadline(b *testing.B) {
	for _, clients := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchAppend(b, clients, 1500*time.Millisecond) })
	}
}

func benchAppend(b *testing.B, clients int, deadline time.Duration) {
	ctx := context.Background()
	s, pool := newBenchStore(b, int32(clients)+2)
	data := []byte(fmt.Sprintf(`{"sessionId":"x","pad":%q}`, strings.Repeat("x", 2000)))
	meta := []byte(`{"actor":"a1","referenceId":1}`)

	var seq atomic.Int64
	rawOp := func() error {
		stream := fmt.Sprintf("raw-%d", seq.Add(1))
		now := time.Now()
		hash := make([]byte, 32)
		_, err := pool.Exec(ctx, rawInsertSQL,
			stream, int64(1), uuid.Must(uuid.NewV7()), "SessionEnded", 1, data, meta, now, hash,
			stream, int64(2), uuid.Must(uuid.NewV7()), "InteractionCompleted", 1, data, meta, now, hash)
		return err
	}
	storeOp := func() error {
		ctx := ctx
		if deadline > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, deadline)
			defer cancel()
		}
		_, err := s.Append(ctx, &eventstore.AppendParams{
			StreamID: fmt.Sprintf("store-%d", seq.Add(1)),
			Events: []eventstore.EventData{
				{Type: "SessionEnded", SchemaVersion: 1, Data: data, Metadata: meta},
				{Type: "InteractionCompleted", SchemaVersion: 1, Data: data, Metadata: meta},
			},
		})
		return err
	}
	// Raw, store, store, raw: the table grows and the machine warms up
	// during the run; the ABBA order spreads that over both sides.
	half := b.N / 2
	var raw, store result
	b.StopTimer()
	raw.add(run(half, clients, rawOp))
	b.StartTimer()
	store.add(run(half, clients, storeOp))
	store.add(run(b.N-half, clients, storeOp))
	b.StopTimer()
	raw.add(run(b.N-half, clients, rawOp))
	events := float64(2*b.N) / store.elapsed.Seconds()
	rawEvents := float64(2*b.N) / raw.elapsed.Seconds()
	b.ReportMetric(events, "events/s")
	b.ReportMetric(rawEvents, "raw-events/s")
	b.ReportMetric(events/rawEvents, "ratio")
}

// rawInsertSQL is the baseline's INSERT: the store's rows without the
// feed lock, so that the ratio shows what the lock costs.
const rawInsertSQL = `INSERT INTO events (stream_id, stream_version, event_id,
	event_type, schema_version, data, metadata, recorded_at, hash)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9), ($10, $11, $12, $13, $14, $15, $16, $17, $18)`

type result struct {
	elapsed time.Duration
	err     error
}

func (r *result) add(o result) {
	r.elapsed += o.elapsed
	if r.err == nil {
		r.err = o.err
	}
}

// run calls op n times from the given number of goroutines.
func run(n, clients int, op func() error) result {
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := op(); err != nil {
					errOnce.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return result{elapsed: time.Since(start), err: first}
}

// newBenchStore returns a migrated store on a fresh database, and its
// pool of up to maxConns connections; the store is closed when b ends.
func newBenchStore(b *testing.B, maxConns int32) (*Store, *pgxpool.Pool) {
	b.Helper()
	pool := postgrestest.NewPool(b, func(c *pgxpool.Config) { c.MaxConns = maxConns })
	s, err := New(pool, Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s, pool
}
