// Package backend opens what both binaries work on: the event store and
// the user directory, on PostgreSQL or on the embedded single-file store.
package backend

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/eventstore/sqlite"
	"github.com/fbsession/fbsession/userlog"
	"github.com/fbsession/fbsession/users"
)

// DefaultMaxConns is the PostgreSQL pool size unless DATABASE_URL sets
// pool_max_conns.
const DefaultMaxConns = 32

// Backend is an open store and directory.
type Backend struct {
	Store eventstore.Driver
	Users *users.Directory
	// DB is the database Users is on, which the browser sessions share
	// (websession).
	DB *sql.DB
	// Dialect is "postgres" or "sqlite".
	Dialect string
	migrate func(context.Context) (int64, error)
	close   func()
}

// Option changes how Open opens.
type Option func(*options)

type options struct{ exclusive bool }

// Exclusive makes the Backend hold the lock of the data directory until
// Close, when the configuration uses one (the embedded store or the
// in-process NATS): a second fbsessiond there would share the JetStream
// store and lose notifications. fbsessionctl does not take it, so that it
// works beside a running fbsessiond.
func Exclusive() Option { return func(o *options) { o.exclusive = true } }

// Open connects to the configured database. It does not migrate.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (*Backend, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	unlock := func() {}
	if cfg.DatabaseURL == "" || (o.exclusive && cfg.NATSURL == "") {
		if err := prepareDataDir(cfg.DataDir, log); err != nil {
			return nil, err
		}
		if o.exclusive {
			var err error
			if unlock, err = lockDataDir(cfg.DataDir); err != nil {
				return nil, err
			}
		}
	}
	open := openPostgres
	if cfg.DatabaseURL == "" {
		open = openSQLite
	}
	b, err := open(ctx, cfg, log)
	if err != nil {
		unlock()
		return nil, err
	}
	closeStore := b.close
	b.close = func() {
		closeStore()
		unlock()
	}
	return b, nil
}

func openSQLite(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Backend, error) {
	path := filepath.Join(cfg.DataDir, "events.db")
	if err := prepareDBFile(path, log); err != nil {
		return nil, err
	}
	s, err := sqlite.Open(ctx, path, sqlite.Config{Logger: log})
	if err != nil {
		return nil, err
	}
	return &Backend{
		Store:   s,
		Users:   users.NewDirectory(s.DB(), cfg.BcryptCost, sqlite.IsUniqueViolation, users.RecordTo(&userlog.Recorder{Store: s})),
		DB:      s.DB(),
		Dialect: "sqlite",
		migrate: s.Migrate,
		close:   func() { s.Close() },
	}, nil
}

func openPostgres(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Backend, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if !strings.Contains(cfg.DatabaseURL, "pool_max_conns") {
		// pgxpool's default, max(4, CPUs), caps commits in flight: with
		// more, concurrent Completes share fsyncs (group commit).
		pcfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	s, err := postgres.New(pool, postgres.Config{Logger: log, Committers: cfg.AppendBatches})
	if err != nil {
		pool.Close()
		return nil, err
	}
	var db *sql.DB = stdlib.OpenDBFromPool(pool)
	return &Backend{
		Store:   s,
		Users:   users.NewDirectory(db, cfg.BcryptCost, postgres.IsUniqueViolation, users.RecordTo(&userlog.Recorder{Store: s})),
		DB:      db,
		Dialect: "postgres",
		migrate: s.Migrate,
		close: func() {
			s.Close()
			db.Close()
			pool.Close()
		},
	}, nil
}

// Migrate applies pending migrations and returns the schema version.
func (b *Backend) Migrate(ctx context.Context) (int64, error) { return b.migrate(ctx) }

// Close releases everything Open acquired.
func (b *Backend) Close() { b.close() }
