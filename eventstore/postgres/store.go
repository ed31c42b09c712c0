package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/internal/wakeup"
	"github.com/fbsession/fbsession/migrations"
)

// Config tunes a Store. The zero value is valid.
type Config struct {
	// Now is the clock stamped on appended events; time.Now by default.
	Now func() time.Time
	// PollInterval is how often feed readers are woken without a
	// notification, in case one was lost. Default 1s.
	PollInterval time.Duration
	// Channel is the LISTEN/NOTIFY channel. Default "fbsession_events".
	Channel string
	// NotifyInterval is the least time between two NOTIFYs: the appends
	// of that time share one. It delays other processes' readers by as
	// much at most; this one's are woken at once. Default 5ms.
	NotifyInterval time.Duration
	// Committers, above 0, groups concurrent appends to different streams
	// (see committer): up to that many batches run at once, each one round
	// trip and one commit for all its appends. 0 runs each append alone.
	Committers int
	// MaxBatch caps the appends of a batch. Default 64.
	MaxBatch int
	// FailoverGap is how many values of each sequence are skipped when a
	// reservation finds that the last one was made on another server: a
	// standby promoted after the primary failed may lack the primary's
	// last reservations (asynchronous replication), which were handed out
	// already. It must exceed the values reserved in the replication lag;
	// referenceIds, reserved a block of 1,000 at a time, stay below 2^53
	// for 900 million failovers. Default 10,000,000.
	FailoverGap int64
	Logger      *slog.Logger
}

// DefaultFailoverGap is Config.FailoverGap's default.
const DefaultFailoverGap = 10_000_000

func (c *Config) setDefaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.Channel == "" {
		c.Channel = "fbsession_events"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.NotifyInterval <= 0 {
		c.NotifyInterval = 5 * time.Millisecond
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 64
	}
	if c.FailoverGap <= 0 {
		c.FailoverGap = DefaultFailoverGap
	}
}

func (c *Config) validate() error {
	if !validIdentifier(c.Channel) {
		return errors.New("postgres: channel must be a plain identifier")
	}
	return nil
}

// Store is the PostgreSQL event store.
type Store struct {
	pool    *pgxpool.Pool
	cfg     Config
	feedSQL string
	// appendSQLs caches append statements by appendShape.
	appendSQLs sync.Map

	wake *wakeup.Broadcaster
	// commits groups appends; nil without Config.Committers.
	commits *committer

	ctx    context.Context // cancelled by Close; background work stops
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// origin is the payload of this store's NOTIFYs: its listener ignores
	// them, as its own appends wake local readers directly.
	origin     string
	listenOnce sync.Once
	notifyMu   sync.Mutex
	notifying  bool // a goroutine is sending NOTIFY
	notifyDue  bool // an append happened since it last sent
}

var _ eventstore.Driver = (*Store)(nil)

// New returns a store on pool. The caller keeps ownership of the pool.
func New(pool *pgxpool.Pool, cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Store{
		pool:    pool,
		cfg:     cfg,
		feedSQL: feedSQL,
		wake:    wakeup.New(),
		origin:  rand.Text(),
		ctx:     ctx,
		cancel:  cancel,
	}
	if cfg.Committers > 0 {
		s.startCommitters(cfg.Committers, cfg.MaxBatch)
	}
	return s, nil
}

// Pool is the pool the store runs on, for components that keep their own
// tables in the same database.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close stops listening and notifying. Appends still running may fail.
func (s *Store) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

func validIdentifier(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Migrate brings the database's schema up to date and returns its version.
func (s *Store) Migrate(ctx context.Context) (int64, error) {
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	return migrations.Up(ctx, db, migrations.Postgres)
}

// Ping implements eventstore.Driver.
func (s *Store) Ping(ctx context.Context) error { return interpretError(s.pool.Ping(ctx)) }
