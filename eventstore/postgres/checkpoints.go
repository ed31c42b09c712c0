package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
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
	key := leaseKey(name)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		conn.Close(context.Background())
		return nil, interpretError(err)
	}
	if !ok {
		conn.Close(context.Background())
		return nil, fmt.Errorf("%w: %s", eventstore.ErrLeaseHeld, name)
	}
	l := &lease{conn: conn, lost: make(chan struct{}), stop: make(chan struct{})}
	l.wg.Add(1)
	go l.watch(s.cfg.PollInterval)
	return l, nil
}

// leaseKey maps a lease name to an advisory lock key.
func leaseKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("fbsession/lease/" + name))
	return int64(h.Sum64())
}

type lease struct {
	conn     *pgx.Conn
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
	defer l.conn.Close(context.Background()) // closing releases the lock
	defer close(l.lost)
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
