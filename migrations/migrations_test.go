package migrations

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

// latest is the newest migration of both dialects.
const latest = 10

// forEachDialect runs f, in parallel, on a new empty database of each
// dialect.
func forEachDialect(t *testing.T, f func(t *testing.T, d Dialect, db *sql.DB)) {
	open := map[Dialect]func(t *testing.T) *sql.DB{
		Postgres: func(t *testing.T) *sql.DB { return stdlib.OpenDBFromPool(postgrestest.NewPool(t)) },
		SQLite: func(t *testing.T) *sql.DB {
			db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "events.db"))
			require.NoError(t, err)
			return db
		},
	}
	for d, open := range open {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db := open(t)
			t.Cleanup(func() { db.Close() })
			f(t, d, db)
		})
	}
}

func TestUp(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d Dialect, db *sql.DB) {
		ctx := context.Background()
		v, err := Up(ctx, db, d)
		require.NoError(t, err)
		require.Equal(t, int64(latest), v)
		n, err := Pending(ctx, db, d)
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

// 00005 lists a view under its owner while it was active, and nowhere
// otherwise; its Down gives listed views their owner back.
func TestViewListKey(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d Dialect, db *sql.DB) {
		ctx := context.Background()
		p, err := provider(ctx, db, d)
		require.NoError(t, err)
		_, err = p.UpTo(ctx, 4)
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, `INSERT INTO stream_views (stream_id, version, owner, active, document)
			VALUES ('open', 1, 'a1', true, '{}'), ('closed', 2, 'a1', false, '{}')`)
		require.NoError(t, err)

		_, err = p.UpTo(ctx, 5)
		require.NoError(t, err)
		require.Equal(t, map[string]string{"open": "a1", "closed": ""},
			query(t, db, `SELECT stream_id, list_key FROM stream_views`))

		_, err = p.DownTo(ctx, 4)
		require.NoError(t, err)
		require.Equal(t, map[string]string{"open": "a1 true", "closed": " false"},
			query(t, db, `SELECT stream_id, owner || ' ' || CASE WHEN active THEN 'true' ELSE 'false' END FROM stream_views`))
		_, err = p.Up(ctx)
		require.NoError(t, err, "up again after down")
	})
}

// 00006 adds a view's detail, NULL in views written before it, stored out
// of line and uncompressed in PostgreSQL; its Down drops it.
func TestViewDetail(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d Dialect, db *sql.DB) {
		ctx := context.Background()
		p, err := provider(ctx, db, d)
		require.NoError(t, err)
		_, err = p.UpTo(ctx, 5)
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, `INSERT INTO stream_views (stream_id, version, list_key, document)
			VALUES ('old', 1, 'a1', '{}')`)
		require.NoError(t, err)

		_, err = p.UpTo(ctx, 6)
		require.NoError(t, err)
		require.Equal(t, map[string]string{"old": "null null"},
			query(t, db, `SELECT stream_id, coalesce(CAST(detail AS text), 'null') || ' ' || coalesce(CAST(detail_version AS text), 'null') FROM stream_views`),
			"views written before keep no detail")
		if d == Postgres {
			require.Equal(t, map[string]string{"detail": "e"},
				query(t, db, `SELECT attname, attstorage::text FROM pg_attribute
					WHERE attrelid = 'stream_views'::regclass AND attname = 'detail'`),
				"the detail is stored out of line, uncompressed")
		}

		_, err = p.DownTo(ctx, 5)
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, `SELECT detail FROM stream_views`)
		require.Error(t, err, "down drops the detail")
		_, err = p.Up(ctx)
		require.NoError(t, err, "up again after down")
	})
}

// query returns the rows of a two-column query as a map.
func query(t *testing.T, db *sql.DB, q string) map[string]string {
	t.Helper()
	rows, err := db.Query(q)
	require.NoError(t, err)
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var k, v string
		require.NoError(t, rows.Scan(&k, &v))
		got[k] = v
	}
	require.NoError(t, rows.Err())
	return got
}

// 00007: positions only grow. SQLite refuses a position at or below 0 or
// below a stored one; PostgreSQL one at or below 0 (the service role
// cannot name one at all: docs/ROLES.md). Its Down lifts the guard.
func TestPositionsGrow(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d Dialect, db *sql.DB) {
		ctx := context.Background()
		_, err := Up(ctx, db, d)
		require.NoError(t, err)
		// insert appends version of stream s at position, or at the next
		// one when position is 0.
		insert := func(position, version int64) error {
			args := []any{position, version}
			q := `INSERT INTO events (position, commit_seq, stream_id, stream_version, event_id, event_type,
				schema_version, data, metadata, recorded_at, hash)
				VALUES (nullif($1, 0), 1, 's', $2, hex(randomblob(16)), 'T', 1, '{}', '{}', 0, zeroblob(32))`
			switch {
			case d == Postgres && position == 0:
				args = args[1:]
				q = `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at, hash)
					VALUES ('s', $1, gen_random_uuid(), 'T', 1, '{}', '{}', now(), decode(repeat('00', 32), 'hex'))`
			case d == Postgres:
				q = `INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at, hash)
					OVERRIDING SYSTEM VALUE
					VALUES ($1, 's', $2, gen_random_uuid(), 'T', 1, '{}', '{}', now(), decode(repeat('00', 32), 'hex'))`
			}
			_, err := db.ExecContext(ctx, q, args...)
			return err
		}
		require.NoError(t, insert(0, 1))
		require.NoError(t, insert(5, 2))
		require.Error(t, insert(-20, 3), "a negative position")
		if d == SQLite {
			require.Error(t, insert(3, 3), "a position below a stored one")
		}
		require.NoError(t, insert(0, 3))

		p, err := provider(ctx, db, d)
		require.NoError(t, err)
		_, err = p.DownTo(ctx, 6)
		require.NoError(t, err)
		require.NoError(t, insert(-20, 4), "down lifts the guard")
	})
}
