package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/fbsession/fbsession/eventstore"
)

// Lease implements eventstore.Leases with an exclusive flock on a file
// beside the store: the kernel releases it when the process dies.
func (s *Store) Lease(ctx context.Context, p *eventstore.LeaseParams) (eventstore.Lease, error) {
	f, err := os.OpenFile(s.path+".lease-"+p.Name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", eventstore.ErrLeaseHeld, p.Name)
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
