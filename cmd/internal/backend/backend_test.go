package backend_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/users"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func open(t *testing.T, cfg *config.Config, opts ...backend.Option) *backend.Backend {
	t.Helper()
	b, err := backend.Open(context.Background(), cfg, discard(), opts...)
	require.NoError(t, err)
	_, err = b.Migrate(context.Background())
	require.NoError(t, err)
	return b
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.Mode().Perm()
}

// The store and its WAL and SHM files are the owner's only, whatever the
// umask; so is the directory, new or left open by an older fbsessiond.
// Not parallel: the umask is the process's.
func TestDataDirModes(t *testing.T) {
	old := unix.Umask(0o002)
	defer unix.Umask(old)

	dir := filepath.Join(t.TempDir(), "data")
	b := open(t, &config.Config{DataDir: dir, BcryptCost: 4})
	require.Equal(t, os.FileMode(0o700), mode(t, dir))
	// A write makes SQLite create the WAL and SHM files.
	require.NoError(t, b.Users.Add(context.Background(), users.User{ID: "a1", UserName: "agent1", Roles: []users.Role{users.RoleAgent}}, "correct horse"))
	for _, f := range []string{"events.db", "events.db-wal", "events.db-shm"} {
		require.Equal(t, os.FileMode(0o600), mode(t, filepath.Join(dir, f)), f)
	}
	b.Close()

	// As an older fbsessiond left them.
	require.NoError(t, os.Chmod(dir, 0o750))
	require.NoError(t, os.Chmod(filepath.Join(dir, "events.db"), 0o644))
	b = open(t, &config.Config{DataDir: dir, BcryptCost: 4})
	defer b.Close()
	require.Equal(t, os.FileMode(0o700), mode(t, dir))
	require.Equal(t, os.FileMode(0o600), mode(t, filepath.Join(dir, "events.db")))
}

// One fbsessiond per data directory: a second one is refused, naming the
// directory and the holder; fbsessionctl (not exclusive) still works.
func TestDataDirLock(t *testing.T) {
	t.Parallel()
	cfg := config.Config{DataDir: t.TempDir(), BcryptCost: 4}
	b := open(t, &cfg, backend.Exclusive())
	_, err := backend.Open(context.Background(), &cfg, discard(), backend.Exclusive())
	require.ErrorContains(t, err, "data directory "+cfg.DataDir+" is in use by another fbsessiond (process "+strconv.Itoa(os.Getpid())+")")
	require.ErrorContains(t, err, "FBSESSION_DATA_DIR")

	ctl := open(t, &cfg)
	ctl.Close()

	b.Close()
	again := open(t, &cfg, backend.Exclusive())
	again.Close()
}

// On PostgreSQL the data directory still holds the in-process NATS
// server's store, so it is locked all the same; with an external NATS
// there is none to lock.
func TestDataDirLockWithPostgreSQL(t *testing.T) {
	t.Parallel()
	dbURL := postgrestest.URL(t)
	cfg := config.Config{DataDir: t.TempDir(), DatabaseURL: dbURL, BcryptCost: 4}
	b, err := backend.Open(context.Background(), &cfg, discard(), backend.Exclusive())
	require.NoError(t, err)
	defer b.Close()
	_, err = backend.Open(context.Background(), &cfg, discard(), backend.Exclusive())
	require.ErrorContains(t, err, "is in use by another fbsessiond")

	external := cfg
	external.NATSURL = "nats://127.0.0.1:4222"
	other, err := backend.Open(context.Background(), &external, discard(), backend.Exclusive())
	require.NoError(t, err)
	other.Close()
}

// The browser sessions have connections of their own: on PostgreSQL a
// pool of WebSessionConns beside the store's, so that logins waiting for
// the issuer's lock never hold the connections the appends need; on
// SQLite lookups read through the readers, which write nothing.
func TestWebSessionsConnections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		cfg := config.Config{DataDir: t.TempDir(), DatabaseURL: postgrestest.SchemaURL(t), BcryptCost: 4}
		b, err := backend.Open(ctx, &cfg, discard())
		require.NoError(t, err)
		defer b.Close()
		require.Same(t, b.WebSessionsDB, b.WebSessionsReadDB)
		var held []*sql.Conn
		for range backend.WebSessionConns {
			c, err := b.WebSessionsDB.Conn(ctx)
			require.NoError(t, err)
			held = append(held, c)
		}
		wait, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err = b.WebSessionsDB.Conn(wait)
		require.ErrorIs(t, err, context.DeadlineExceeded, "the sessions' pool is full")
		var one int
		require.NoError(t, b.DB.QueryRowContext(ctx, "SELECT 1").Scan(&one), "the store's is not")
		for _, c := range held {
			require.NoError(t, c.Close())
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		b := open(t, &config.Config{DataDir: t.TempDir(), BcryptCost: 4})
		defer b.Close()
		require.Same(t, b.DB, b.WebSessionsDB, "the file's one writer")
		_, err := b.WebSessionsReadDB.ExecContext(ctx, "DELETE FROM web_sessions")
		require.Error(t, err, "lookups read through the query-only readers")
		var n int
		require.NoError(t, b.WebSessionsReadDB.QueryRowContext(ctx, "SELECT count(*) FROM web_sessions").Scan(&n))
	})
}
