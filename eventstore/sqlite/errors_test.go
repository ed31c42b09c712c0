package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fbsession/fbsession/eventstore"
)

// Every case provokes its error from a real SQLite file, so that the table
// checks what SQLite and database/sql really return, not what we think they
// do.
func TestInterpretError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	res, err := s.Append(ctx, &eventstore.AppendParams{StreamID: "s", Events: []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}})
	require.NoError(t, err)
	insert := func(stream string, version int64, id string) error {
		_, err := s.write.ExecContext(ctx, insertSQL, 99, stream, version, id, "T", 1, "{}", "{}", 0, make([]byte, eventstore.HashSize))
		return err
	}
	open := func(t *testing.T, dsn string) *sql.DB {
		db, err := sql.Open("sqlite", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	head := func(ctx context.Context) error {
		var n int64
		return s.read.QueryRowContext(ctx, lastPositionSQL).Scan(&n)
	}
	reserve := func(db *sql.DB) error {
		_, err := db.ExecContext(ctx, reserveSQL, "n", 1)
		return err
	}

	for _, tc := range []struct {
		name    string
		provoke func(t *testing.T) error
		code    int   // the SQLite primary code provoked, 0 for none
		want    error // nil: returned unchanged
	}{
		{"unique stream version", func(*testing.T) error {
			return insert("s", 1, uuid.NewString())
		}, sqlite3.SQLITE_CONSTRAINT, eventstore.ErrConcurrency},
		{"duplicate event id", func(*testing.T) error {
			return insert("t", 1, res.Events[0].ID.String())
		}, sqlite3.SQLITE_CONSTRAINT, eventstore.ErrDuplicateEvent},
		{"other unique constraint", func(*testing.T) error {
			_, err := s.write.ExecContext(ctx, `INSERT INTO sequences (name, next) VALUES ('dup', 1), ('dup', 2)`)
			return err
		}, sqlite3.SQLITE_CONSTRAINT, nil},
		{"busy", func(t *testing.T) error {
			tx, err := s.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
			require.NoError(t, err)
			defer tx.Rollback() //nolint:errcheck // nothing written
			return reserve(open(t, "file:"+s.path+"?_pragma=busy_timeout(0)"))
		}, sqlite3.SQLITE_BUSY, eventstore.ErrUnavailable},
		{"read-only", func(t *testing.T) error {
			return reserve(open(t, "file:"+s.path+"?mode=ro"))
		}, sqlite3.SQLITE_READONLY, eventstore.ErrUnavailable},
		{"cannot open", func(t *testing.T) error {
			return open(t, filepath.Join(t.TempDir(), "missing", "events.db")).PingContext(ctx)
		}, sqlite3.SQLITE_CANTOPEN, eventstore.ErrUnavailable},
		{"closed database", func(t *testing.T) error {
			db := open(t, dsn(s.path, ""))
			require.NoError(t, db.Close())
			return reserve(db)
		}, 0, eventstore.ErrUnavailable},
		{"connection done", func(t *testing.T) error {
			conn, err := s.read.Conn(ctx)
			require.NoError(t, err)
			require.NoError(t, conn.Close())
			return conn.PingContext(ctx)
		}, 0, eventstore.ErrUnavailable},
		{"canceled", func(*testing.T) error {
			ctx, cancel := context.WithCancel(ctx)
			cancel()
			return head(ctx)
		}, 0, nil},
		{"deadline", func(*testing.T) error {
			ctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
			defer cancel()
			return head(ctx)
		}, 0, nil},
		{"syntax error", func(*testing.T) error {
			_, err := s.read.ExecContext(ctx, `SELEKT 1`)
			return err
		}, sqlite3.SQLITE_ERROR, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.provoke(t)
			require.Error(t, err)
			var sqlErr *sqlite.Error
			if tc.code != 0 {
				require.ErrorAs(t, err, &sqlErr)
				require.Equal(t, tc.code, sqlErr.Code()&0xff, "provoked %v", err)
			} else {
				require.False(t, errors.As(err, &sqlErr), "no SQLite error: %v", err)
			}
			got := interpretError(err)
			if tc.want == nil {
				require.Equal(t, err, got, "returned unchanged")
				return
			}
			require.ErrorIs(t, got, tc.want)
			require.ErrorIs(t, got, err, "the original stays in the chain")
		})
	}
	require.NoError(t, interpretError(nil))
}

// A closed store is unavailable, not broken.
func TestClosedStoreIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "events.db"), Config{})
	require.NoError(t, err)
	_, err = s.Migrate(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = s.Head(ctx)
	require.ErrorIs(t, err, eventstore.ErrUnavailable)
	_, err = s.Append(ctx, &eventstore.AppendParams{StreamID: "s", Events: []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}})
	require.ErrorIs(t, err, eventstore.ErrUnavailable)
}
