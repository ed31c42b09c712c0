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

// WebSessionConns is the size of the PostgreSQL pool of the browser
// sessions: logins queueing for the issuer's lock, or a flood of cookie
// lookups, wait for these, never for the event store's connections.
const WebSessionConns = 4

// Backend is an open store and directory.
type Backend struct {
	Store eventstore.Driver
	Users *users.Directory
	// DB is the database Users is on.
	DB *sql.DB
	// WebSessionsDB is where the browser sessions (websession) are
	// written: on PostgreSQL the same database through a pool of its own
	// (WebSessionConns), on SQLite the file's one writer.
	// WebSessionsReadDB is where they are looked up: the same pool on
	// PostgreSQL, SQLite's readers, which never wait for the writer.
	WebSessionsDB, WebSessionsReadDB *sql.DB
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
		Store: s,
		Users: users.NewDirectory(s.DB(), cfg.BcryptCost, sqlite.IsUniqueViolation, users.RecordTo(&userlog.Recorder{Store: s})),
		DB:    s.DB(),
		// SQLite has one writer, which the sessions' writes share with
		// the appends: a lookup writes only a session's use, once a
		// minute, and issues are per user rate-limited.
		WebSessionsDB: s.DB(), WebSessionsReadDB: s.ReadDB(),
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
	// pgxpool opens connections as they are needed: fbsessionctl, which
	// keeps no sessions, never opens one here.
	scfg := pcfg.Copy()
	scfg.MaxConns, scfg.MinConns = WebSessionConns, 0
	sessionsPool, err := pgxpool.NewWithConfig(ctx, scfg)
	if err != nil {
		s.Close()
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	sessions := stdlib.OpenDBFromPool(sessionsPool)
	return &Backend{
		Store:         s,
		Users:         users.NewDirectory(db, cfg.BcryptCost, postgres.IsUniqueViolation, users.RecordTo(&userlog.Recorder{Store: s})),
		DB:            db,
		WebSessionsDB: sessions, WebSessionsReadDB: sessions,
		Dialect: "postgres",
		migrate: s.Migrate,
		close: func() {
			s.Close()
			db.Close()
			pool.Close()
			sessions.Close()
			sessionsPool.Close()
		},
	}, nil
}

// Migrate applies pending migrations and returns the schema version.
func (b *Backend) Migrate(ctx context.Context) (int64, error) { return b.migrate(ctx) }

// Close releases everything Open acquired.
func (b *Backend) Close() { b.close() }
