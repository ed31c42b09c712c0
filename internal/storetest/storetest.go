// Package storetest runs a test against each event store driver: a fresh,
// migrated store per driver, the user directory on the same database, and
// raw SQL that steps past the append-only guard, for tampering tests. It is
// the one harness of the packages above the store (commands, the API,
// audits, projections); the drivers themselves run eventstoretest.
package storetest

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
	// ClockAt, when set, gives each backend a clock of its own that
	// starts there and moves only when told (Backend.Clock), for tests of
	// histories and of states as of a time; time.Now otherwise.
	ClockAt time.Time
	// PollInterval is how often a store looks for appends made by other
	// processes; the driver's default when 0.
	PollInterval time.Duration
	// PostgresURL, when set, opens the PostgreSQL store on that database
	// (from postgrestest.SchemaURL) instead of a fresh schema: a second
	// process on the same store.
	PostgresURL string
}

// Backend is one driver's store and what goes with it.
type Backend struct {
	Name  string
	Store eventstore.Driver
	// Clock is the store's clock when Options.ClockAt was set.
	Clock *Clock
	// Users is a directory on the store's database (bcrypt at its minimum
	// cost, for speed), which records no changes.
	Users *users.Directory
	// DB is the store's database, for directories made otherwise.
	DB *sql.DB
	// ReadDB reads the same database: SQLite's query-only readers, or DB
	// on PostgreSQL.
	ReadDB *sql.DB
	// Tamper runs SQL behind the store's back, as an intruder with
	// database rights would, append-only guard included. Parameters are
	// $1, $2, ... in order of first use.
	Tamper func(t testing.TB, sql string, args ...any)
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
func SQLite(t testing.TB, opts Options) *Backend {
	t.Helper()
	ctx := context.Background()
	clock := opts.clock()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "events.db"), sqlite.Config{Now: opts.now(clock), PollInterval: opts.PollInterval})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(ctx)
	must(t, err)
	return &Backend{
		Name:   "sqlite",
		Store:  s,
		Clock:  clock,
		Users:  users.NewDirectory(s.DB(), bcrypt.MinCost, sqlite.IsUniqueViolation),
		DB:     s.DB(),
		ReadDB: s.ReadDB(),
		Tamper: func(t testing.TB, sql string, args ...any) {
			// SQLite triggers cannot be disabled: an intruder drops them.
			for _, trigger := range []string{"events_no_update", "events_no_delete", "events_position_grows"} {
				_, err := s.DB().Exec("DROP TRIGGER IF EXISTS " + trigger)
				must(t, err)
			}
			_, err := s.DB().Exec(sql, args...)
			must(t, err)
		},
	}
}

// Postgres returns a backend on a fresh schema of TEST_DATABASE_URL, or on
// opts.PostgresURL.
func Postgres(t testing.TB, opts Options) *Backend {
	t.Helper()
	var p *pgxpool.Pool
	if opts.PostgresURL != "" {
		p = postgrestest.NewPoolFromURL(t, opts.PostgresURL)
	} else {
		p = postgrestest.NewPool(t)
	}
	clock := opts.clock()
	s, err := postgres.New(p, postgres.Config{Now: opts.now(clock), PollInterval: opts.PollInterval, Committers: 2})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(context.Background())
	must(t, err)
	var db *sql.DB = stdlib.OpenDBFromPool(p)
	t.Cleanup(func() { db.Close() })
	return &Backend{
		Name:   "postgres",
		Store:  s,
		Clock:  clock,
		Users:  users.NewDirectory(db, bcrypt.MinCost, postgres.IsUniqueViolation),
		DB:     db,
		ReadDB: db,
		Tamper: func(t testing.TB, sql string, args ...any) {
			ctx := context.Background()
			err := pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
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

func (o Options) clock() *Clock {
	if o.ClockAt.IsZero() {
		return nil
	}
	return NewClock(o.ClockAt)
}

func (o Options) now(c *Clock) func() time.Time {
	if c != nil {
		return c.Now
	}
	return nil // the driver's default: time.Now
}

// Clock is a settable clock for Options.Now: tests of histories and of
// states as of a time move it between commands.
type Clock struct{ now atomic.Int64 }

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.now.Store(t.UnixNano())
	return c
}

// Now reads the clock, in UTC.
func (c *Clock) Now() time.Time { return time.Unix(0, c.now.Load()).UTC() }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
