// Package storetest runs a test against each event store driver: a fresh,
// migrated store per driver, the user directory on the same database, and
// raw SQL that steps past the append-only guard, for tampering tests.
package storetest

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/crypto/bcrypt"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/eventstore/sqlite"
	"github.com/fbsession/fbsession/users"
)

// Options adjust the stores.
type Options struct {
	// Now is the stores' clock; time.Now by default.
	Now func() time.Time
}

// Backend is one driver's store and what goes with it.
type Backend struct {
	Name  string
	Store eventstore.Store
	// Users is a directory on the store's database (bcrypt at its minimum
	// cost, for speed).
	Users *users.Directory
	// Tamper runs SQL behind the store's back, as an intruder with
	// database rights would, append-only guard included. Parameters are
	// $1, $2, ... in order of first use.
	Tamper func(t *testing.T, sql string, args ...any)
}

// ForEach runs f, in parallel subtests named after the drivers, on a fresh
// backend of each.
func ForEach(t *testing.T, opts Options, f func(t *testing.T, b *Backend)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, SQLite(t, opts))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, Postgres(t, opts))
	})
}

// SQLite returns a backend on a file under t.TempDir().
func SQLite(t *testing.T, opts Options) *Backend {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "events.db"), sqlite.Config{Now: opts.Now})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(ctx)
	must(t, err)
	return &Backend{
		Name:  "sqlite",
		Store: s,
		Users: users.NewDirectory(s.DB(), bcrypt.MinCost, sqlite.IsUniqueViolation),
		Tamper: func(t *testing.T, sql string, args ...any) {
			// SQLite triggers cannot be disabled: an intruder drops them.
			for _, trigger := range []string{"events_no_update", "events_no_delete"} {
				_, err := s.DB().Exec("DROP TRIGGER IF EXISTS " + trigger)
				must(t, err)
			}
			_, err := s.DB().Exec(sql, args...)
			must(t, err)
		},
	}
}

// Postgres returns a backend on a fresh schema of TEST_DATABASE_URL.
func Postgres(t *testing.T, opts Options) *Backend {
	t.Helper()
	pool := postgrestest.NewPool(t)
	s, err := postgres.New(pool, postgres.Config{Now: opts.Now})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(context.Background())
	must(t, err)
	var db *sql.DB = stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	return &Backend{
		Name:  "postgres",
		Store: s,
		Users: users.NewDirectory(db, bcrypt.MinCost, postgres.IsUniqueViolation),
		Tamper: func(t *testing.T, sql string, args ...any) {
			ctx := context.Background()
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, sql, args...)
				return err
			})
			must(t, err)
		},
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
