package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Appended implements eventstore.Store. The first call starts the listener.
func (s *Store) Appended() <-chan struct{} {
	s.listenOnce.Do(func() {
		s.wg.Add(1)
		go s.listen()
	})
	return s.wake.C()
}

// appended wakes local readers and makes sure a NOTIFY follows. Appends
// that land while one is being sent, or within NotifyInterval after it,
// share the next one: a NOTIFY is a transaction of its own, which one per
// append would double.
func (s *Store) appended() {
	s.wake.Broadcast()
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	s.notifyDue = true
	if s.notifying || s.ctx.Err() != nil {
		return
	}
	s.notifying = true
	s.wg.Add(1)
	go s.sendNotifications()
}

func (s *Store) sendNotifications() {
	defer s.wg.Done()
	for {
		s.notifyMu.Lock()
		if !s.notifyDue || s.ctx.Err() != nil {
			s.notifying = false
			s.notifyMu.Unlock()
			return
		}
		s.notifyDue = false
		s.notifyMu.Unlock()

		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		_, err := s.pool.Exec(ctx, notifySQL, s.cfg.Channel, s.origin)
		cancel()
		if err != nil && s.ctx.Err() == nil {
			// Other processes still poll; a lost hint only delays them.
			s.cfg.Logger.Debug("eventstore: notify failed", "err", err)
		}
		select {
		case <-time.After(s.cfg.NotifyInterval):
		case <-s.ctx.Done():
		}
	}
}

// listen keeps a dedicated connection LISTENing and wakes readers on every
// other process's notification, and every PollInterval regardless.
func (s *Store) listen() {
	defer s.wg.Done()
	backoff := 100 * time.Millisecond
	for s.ctx.Err() == nil {
		err := s.listenConn()
		if s.ctx.Err() != nil {
			return
		}
		s.cfg.Logger.Warn("eventstore: listen connection lost; polling until it is back", "err", err, "retry_in", backoff)
		select {
		case <-time.After(backoff):
		case <-s.ctx.Done():
			return
		}
		backoff = min(2*backoff, s.cfg.PollInterval)
		s.wake.Broadcast()
	}
}

func (s *Store) listenConn() error {
	cfg := s.pool.Config().ConnConfig
	// A poll timeout must only end the wait: the default handler would also
	// send the server a cancel request, a new TCP connection every poll.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	conn, err := pgx.ConnectConfig(s.ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(s.ctx, listenSQL+s.cfg.Channel); err != nil {
		return err
	}
	for {
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.PollInterval)
		n, err := conn.WaitForNotification(ctx)
		cancel()
		if err != nil || n.Payload != s.origin {
			s.wake.Broadcast()
		}
		if err != nil && ctx.Err() == nil {
			return err
		}
		if s.ctx.Err() != nil {
			return nil
		}
	}
}
