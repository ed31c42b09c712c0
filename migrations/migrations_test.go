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
const latest = 6

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
