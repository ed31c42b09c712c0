package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fbsession/fbsession/eventstore"
)

// Lease implements eventstore.Leases with a session advisory lock held on a
// connection of its own: if the process dies or the connection breaks, the
// server releases the lock and another process can take over.
func (s *Store) Lease(ctx context.Context, p *eventstore.LeaseParams) (eventstore.Lease, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return nil, interpretError(err)
	}
	var (
		key int64
		ok  bool
	)
	if err := conn.QueryRow(ctx, leaseSQL, p.Name).Scan(&key, &ok); err != nil {
		conn.Close(context.Background())
		return nil, interpretError(err)
	}
	if !ok {
		conn.Close(context.Background())
		return nil, fmt.Errorf("%w: %s", eventstore.ErrLeaseHeld, p.Name)
	}
	l := &lease{conn: conn, key: key, lost: make(chan struct{}), stop: make(chan struct{})}
	l.wg.Add(1)
	go l.watch(s.cfg.PollInterval)
	return l, nil
}

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
		_, _ = l.conn.Exec(ctx, unlockSQL, l.key)
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
