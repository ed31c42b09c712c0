package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/fbsession/fbsession/migrations"
)

// eventRow is an event row as the service wrote it, for the raw run.
type eventRow struct {
	Type     string
	Data     []byte
	Metadata []byte
}

// rawResult is what the raw run measured: transactions/s, and the
// database's CPU milliseconds and WAL KB per transaction.
type rawResult struct {
	TxPerSec, DBCPUms, WALKB float64
}

// runRaw commits as many transactions as the service did Completes, each
// inserting the same two event rows in one multi-row INSERT (one round
// trip) into a fresh events table with the service's schema, from as many
// connections as the service had clients.
func runRaw(ctx context.Context, cfg Config, clients int, rows [2]eventRow) (rawResult, error) {
	url, drop, err := newSchema(ctx, cfg.DatabaseURL, unique("bench_raw_"))
	if err != nil {
		return rawResult{}, err
	}
	defer drop()
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return rawResult{}, err
	}
	pcfg.MaxConns = int32(clients)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return rawResult{}, err
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	if _, err := migrations.Up(ctx, db, migrations.Postgres); err != nil {
		db.Close()
		return rawResult{}, err
	}
	db.Close()

	const insert = `INSERT INTO events (stream_id, stream_version, event_id, event_type,
		schema_version, data, metadata, recorded_at, hash)
		VALUES ($1, 2, $2, $3, 1, $4, $5, $6, $7), ($1, 3, $8, $9, 1, $10, $11, $6, $7)`
	hash := make([]byte, 32)
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		first error
		once  sync.Once
	)
	db0, wal0 := commandCPUSeconds("postgres"), walBytes(ctx, cfg.DatabaseURL)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(cfg.Sessions); i = next.Add(1) {
				_, err := pool.Exec(ctx, insert, fmt.Sprintf("facebooksession-raw%d", i),
					uuid.Must(uuid.NewV7()), rows[0].Type, rows[0].Data, rows[0].Metadata, time.Now(), hash,
					uuid.Must(uuid.NewV7()), rows[1].Type, rows[1].Data, rows[1].Metadata)
				if err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return rawResult{}, first
	}
	elapsed := time.Since(start)
	return rawResult{
		TxPerSec: float64(cfg.Sessions) / elapsed.Seconds(),
		DBCPUms:  (commandCPUSeconds("postgres") - db0) * 1000 / float64(cfg.Sessions),
		WALKB:    perUnitKB(wal0, walBytes(ctx, cfg.DatabaseURL), cfg.Sessions),
	}, nil
}
