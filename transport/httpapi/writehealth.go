package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/labstack/echo/v4"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fbsession/fbsession/eventstore"
)

// storeWritesCheck is the /readyz entry for whether the store takes writes.
const storeWritesCheck = "store_writes"

// writeFailureTTL is how long a full store keeps /readyz unavailable
// without a write confirming it. A load balancer that takes the instance out
// sends no more writes, so without an end the instance would stay out after
// the disk is freed; with it, readiness comes back and the next failed write
// takes it away again.
const writeFailureTTL = 30 * time.Second

// writeHealth remembers that the store refused a write for want of space
// (PostgreSQL disk_full, SQLITE_FULL), which a ping does not show, until a
// write succeeds or writeFailureTTL passes.
type writeHealth struct {
	now func() time.Time
	mu  sync.Mutex
	at  time.Time // when the last write failed for want of space; zero if none since a success
	err error
}

// trackWrites feeds writeHealth with the outcome of every POST.
func (h *writeHealth) trackWrites(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if c.Request().Method != http.MethodPost {
			return err
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		switch {
		case err == nil:
			h.at, h.err = time.Time{}, nil
		case storeFull(err):
			h.at, h.err = h.now(), err
		}
		return err
	}
}

func (h *writeHealth) check() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.at.IsZero() || h.now().Sub(h.at) > writeFailureTTL {
		return nil
	}
	return fmt.Errorf("the store refused a write %s ago: %w", h.now().Sub(h.at).Round(time.Second), h.err)
}

// storeFull tells an unavailable store that is out of space. The drivers'
// errors are matched by the methods they have (pgconn.PgError's SQLState,
// sqlite.Error's Code), so that this package imports neither driver.
func storeFull(err error) bool {
	if !errors.Is(err, eventstore.ErrUnavailable) {
		return false
	}
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) && pg.SQLState() == pgerrcode.DiskFull {
		return true
	}
	var lite interface{ Code() int }
	return errors.As(err, &lite) && lite.Code()&0xff == sqlite3.SQLITE_FULL
}
