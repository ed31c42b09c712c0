package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/fbsession/fbsession/eventstore"
)

const (
	checkpointSQL     = `SELECT commit_seq, position FROM checkpoints WHERE name = ?`
	saveCheckpointSQL = `INSERT INTO checkpoints (name, commit_seq, position, updated_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET commit_seq = excluded.commit_seq,
			position = excluded.position, updated_at = excluded.updated_at`
	headSQLAll = `SELECT COALESCE(MAX(position), 0) FROM events`
)

// Checkpoint implements eventstore.Store.
func (s *Store) Checkpoint(ctx context.Context, name string) (eventstore.Cursor, error) {
	var commit, pos int64
	err := s.read.QueryRowContext(ctx, checkpointSQL, name).Scan(&commit, &pos)
	if errors.Is(err, sql.ErrNoRows) {
		return eventstore.Start, nil
	}
	return eventstore.Cursor{Commit: uint64(commit), Position: pos}, interpretError(err)
}

// SaveCheckpoint implements eventstore.Store.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, c eventstore.Cursor) error {
	_, err := s.write.ExecContext(ctx, saveCheckpointSQL, name, int64(c.Commit), c.Position, s.cfg.Now().UnixMicro())
	return interpretError(err)
}

// Head implements eventstore.Store.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	err := s.read.QueryRowContext(ctx, headSQLAll).Scan(&head)
	return head, interpretError(err)
}

// Lease implements eventstore.Store with an exclusive flock on a file
// beside the store: the kernel releases it when the process dies.
func (s *Store) Lease(ctx context.Context, name string) (eventstore.Lease, error) {
	f, err := os.OpenFile(s.path+".lease-"+name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", eventstore.ErrLeaseHeld, name)
		}
		return nil, err
	}
	return &fileLease{f: f, lost: make(chan struct{})}, nil
}

// fileLease is never lost while the process lives: the lock is the
// kernel's.
type fileLease struct {
	f    *os.File
	lost chan struct{}
	once sync.Once
}

func (l *fileLease) Lost() <-chan struct{} { return l.lost }

func (l *fileLease) Release() {
	l.once.Do(func() {
		l.f.Close() // closing drops the flock
		close(l.lost)
	})
}
