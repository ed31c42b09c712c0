package audit_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

// generateSQL fills the log with n/3 sessions of three events of ~2 KB of
// incompressible JSON each, inserted by event type (every SessionStarted,
// then every SessionEnded, ...) so that a session's events lie far apart in
// the table: the worst layout for a stream-by-stream scan.
const generateSQL = `INSERT INTO events (stream_id, stream_version, event_id, event_type,
	schema_version, data, metadata, recorded_at, hash)
SELECT 'facebooksession-b' || s, x.v, gen_random_uuid(), x.t, 1,
	json_build_object('sessionId', 'b' || s, 'agentId', 'a' || (s % 50),
		'facebooksessionType', 'Inbound', 'userData', json_build_object('k', 'v'),
		'participants', '[]'::json,
		'pad', (SELECT string_agg(md5(s::text || ':' || x.v || ':' || i), '') FROM generate_series(1, 62) i)),
	json_build_object('actor', 'a1', 'referenceId', s), now(), decode(repeat('00', 32), 'hex')
FROM (VALUES (1, 'SessionStarted'), (2, 'SessionEnded'), (3, 'InteractionCompleted')) AS x(v, t),
	generate_series(1, $1::int) s
ORDER BY x.v, s`

// BenchmarkRebuild compares, in one run, fbsessionctl rebuild's rate with a
// raw ordered read of the events table through pgx (the same columns, by
// position, no work). FBSESSION_BENCH_EVENTS sets the log's size (default
// 100k; 1000000 for the documented figure). Metrics: rebuild-events/s,
// raw-events/s, ratio.
func BenchmarkRebuild(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("FBSESSION_BENCH_EVENTS")); err == nil {
		n = v
	}
	ctx := context.Background()
	pool := postgrestest.NewPool(b)
	s, err := postgres.New(pool, postgres.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := pool.Exec(ctx, generateSQL, n/3); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE events"); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d events in %s", n/3*3, time.Since(start).Round(time.Millisecond))
	// A live service has a read model; give the generated log one, so that
	// the timed rebuilds measure the rebuild, not a first build.
	if _, err := audit.Rebuild(ctx, s, nil); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	var raw, rebuild time.Duration
	var events int64
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		rows, err := pool.Query(ctx, `SELECT position, transaction_id, stream_id, stream_version, event_id,
			event_type, schema_version, data, metadata, recorded_at, hash FROM events ORDER BY position`)
		if err != nil {
			b.Fatal(err)
		}
		var count int64
		for rows.Next() {
			_ = rows.RawValues() // the bytes only: no decoding at all
			count++
		}
		rows.Close()
		if rows.Err() != nil {
			b.Fatal(rows.Err())
		}
		raw += time.Since(t0)

		t0 = time.Now()
		r, err := audit.Rebuild(ctx, s, nil)
		if err != nil {
			b.Fatal(err)
		}
		rebuild += time.Since(t0)
		if r.Events != count {
			b.Fatalf("rebuild read %d events, the raw read %d", r.Events, count)
		}
		events += count
	}
	rawRate := float64(events) / raw.Seconds()
	rebuildRate := float64(events) / rebuild.Seconds()
	b.ReportMetric(rebuildRate, "rebuild-events/s")
	b.ReportMetric(rawRate, "raw-events/s")
	b.ReportMetric(rebuildRate/rawRate, "ratio")
}
