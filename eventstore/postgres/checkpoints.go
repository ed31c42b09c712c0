package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fbsession/fbsession/eventstore"
)

const (
	checkpointSQL     = `SELECT transaction_id, position FROM checkpoints WHERE name = $1`
	saveCheckpointSQL = `INSERT INTO checkpoints (name, transaction_id, position, updated_at)
		VALUES ($1, $2, $3, now())
		ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id,
			position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`
	headSQLAll = `SELECT COALESCE(MAX(position), 0) FROM events`
)

// Checkpoint implements eventstore.Store.
func (s *Store) Checkpoint(ctx context.Context, name string) (eventstore.Cursor, error) {
	var c eventstore.Cursor
	err := s.pool.QueryRow(ctx, checkpointSQL, name).Scan(&c.Commit, &c.Position)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventstore.Start, nil
	}
	return c, interpretError(err)
}

// SaveCheckpoint implements eventstore.Store.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, c eventstore.Cursor) error {
	_, err := s.pool.Exec(ctx, saveCheckpointSQL, name, c.Commit, c.Position)
	return interpretError(err)
}

// Head implements eventstore.Store.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	err := s.pool.QueryRow(ctx, headSQLAll).Scan(&head)
	return head, interpretError(err)
}

// Lease implements eventstore.Store with a session advisory lock held on a
// connection of its own: if the process dies or the connection breaks, the
// server releases the lock and another process can take over.
func (s *Store) Lease(ctx context.Context, name string) (eventstore.Lease, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return nil, interpretError(err)
	}
	// Advisory locks are database-wide: the schema is part of the key, so
	// that deployments in two schemas of one database do not collide.
	var (
		key int64
		ok  bool
	)
	if err := conn.QueryRow(ctx, leaseSQL, name).Scan(&key, &ok); err != nil {
		conn.Close(context.Background())
		return nil, interpretError(err)
	}
	if !ok {
		conn.Close(context.Background())
		return nil, fmt.Errorf("%w: %s", eventstore.ErrLeaseHeld, name)
	}
	l := &lease{conn: conn, key: key, lost: make(chan struct{}), stop: make(chan struct{})}
	l.wg.Add(1)
	go l.watch(s.cfg.PollInterval)
	return l, nil
}

const leaseSQL = `WITH k AS (SELECT hashtextextended('fbsession/lease/' || current_schema() || '/' || $1, 0) AS key)
	SELECT key, pg_try_advisory_lock(key) FROM k`

type lease struct {
	conn     *pgx.Conn
	key      int64
	lost     chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

func (l *lease) Lost() <-chan struct{} { return l.lost }

func (l *lease) Release() {
	l.stopOnce.Do(func() { close(l.stop) })
	l.wg.Wait()
}

// watch pings the lock's connection; a failed ping means the server may
// already have released the lock to someone else.
func (l *lease) watch(every time.Duration) {
	defer l.wg.Done()
	defer close(l.lost)
	defer func() {
		// Unlock before closing: the server frees a closed session's
		// locks only once it notices the close.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, _ = l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", l.key)
		l.conn.Close(ctx)
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			err := l.conn.Ping(ctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
}
