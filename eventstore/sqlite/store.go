package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/internal/wakeup"
	"github.com/fbsession/fbsession/migrations"
)

// Config tunes a Store. The zero value is valid.
type Config struct {
	// Now is the clock stamped on appended events; time.Now by default.
	Now func() time.Time
	// PollInterval is how often the file is checked for appends by other
	// processes. Default 200ms: the check is one PRAGMA, no I/O.
	PollInterval time.Duration
	// ReadConns caps the reading connections. Default 4.
	ReadConns int
	Logger    *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.ReadConns <= 0 {
		c.ReadConns = 4
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Store is the single-file event store.
type Store struct {
	path  string
	write *sql.DB // one connection: SQLite has one writer
	read  *sql.DB
	cfg   Config
	wake  *wakeup.Broadcaster

	ctx      context.Context // cancelled by Close
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	pollOnce sync.Once
}

var _ eventstore.Driver = (*Store)(nil)

// Open opens (creating if needed) the store in the file at path. Call
// Migrate before the first use of a new file.
func Open(ctx context.Context, path string, cfg Config) (*Store, error) {
	cfg.setDefaults()
	write, err := sql.Open("sqlite", dsn(path, "_txlock=immediate", "journal_mode(WAL)"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn(path, "", "query_only(1)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	read.SetMaxOpenConns(cfg.ReadConns)
	sctx, cancel := context.WithCancel(context.Background())
	return &Store{path: path, write: write, read: read, cfg: cfg, wake: wakeup.New(), ctx: sctx, cancel: cancel}, nil
}

// dsn builds a connection string; every connection gets full sync and a
// busy timeout long enough to wait out another process's append.
func dsn(path, extra string, pragmas ...string) string {
	q := url.Values{}
	for _, p := range append([]string{"synchronous(FULL)", "busy_timeout(10000)"}, pragmas...) {
		q.Add("_pragma", p)
	}
	s := "file:" + path + "?" + q.Encode()
	if extra != "" {
		s += "&" + extra
	}
	return s
}

// Migrate brings the file's schema up to date. goose gets a connection pool
// of its own: it may query outside its transaction, which the single write
// connection would deadlock on.
func (s *Store) Migrate(ctx context.Context) (int64, error) {
	db, err := sql.Open("sqlite", dsn(s.path, "_txlock=immediate", "journal_mode(WAL)"))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return migrations.Up(ctx, db, migrations.SQLite)
}

// Close stops polling and closes the file.
func (s *Store) Close() error {
	s.cancel()
	s.wg.Wait()
	return errors.Join(s.write.Close(), s.read.Close())
}

// Appended implements eventstore.Store. The first call starts polling the
// file; its baseline is read before returning, so that an append made right
// after the call is seen as a change.
func (s *Store) Appended() <-chan struct{} {
	s.pollOnce.Do(func() {
		conn, err := s.read.Conn(s.ctx)
		if err != nil {
			s.cfg.Logger.Warn("eventstore: cannot poll for other processes' appends", "err", err)
			return
		}
		last, err := dataVersion(s.ctx, conn)
		if err != nil {
			last = -1
		}
		s.wg.Add(1)
		go s.poll(conn, last)
	})
	return s.wake.C()
}

// poll wakes readers when another connection has committed to the file.
func (s *Store) poll(conn *sql.Conn, last int64) {
	defer s.wg.Done()
	defer conn.Close()
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		v, err := dataVersion(s.ctx, conn)
		if err != nil {
			if s.ctx.Err() == nil {
				s.cfg.Logger.Warn("eventstore: poll failed", "err", err)
			}
			continue
		}
		if v != last {
			s.wake.Broadcast()
		}
		last = v
	}
}

// dataVersion tells, by changing, that another connection has committed.
func dataVersion(ctx context.Context, conn *sql.Conn) (int64, error) {
	var v int64
	err := conn.QueryRowContext(ctx, dataVersionSQL).Scan(&v)
	return v, err
}

// DB is the file's writing connection, for components that keep their own
// tables in it (the user directory). Keep its transactions short: appends
// wait for them.
func (s *Store) DB() *sql.DB { return s.write }

// ReadDB is the file's reading connections (query only), for components
// that read their own tables in it without waiting for the writer (the
// browser sessions' lookups).
func (s *Store) ReadDB() *sql.DB { return s.read }

// Ping implements eventstore.Driver.
func (s *Store) Ping(ctx context.Context) error { return interpretError(s.read.PingContext(ctx)) }
