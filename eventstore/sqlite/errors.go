package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fbsession/fbsession/eventstore"
)

// SQLite names no constraint in its errors, only the columns: "UNIQUE
// constraint failed: events.stream_id, events.stream_version". The events
// table's two unique constraints (migrations/sqlite) are told apart by the
// one column that is theirs alone; this is the only text interpretError
// reads.
const (
	streamVersionColumn = "events.stream_version"
	eventIDColumn       = "events.event_id"
)

// errDBClosed is database/sql's error for a closed *sql.DB, which it does
// not export. It is taken once from a DB closed on purpose, so that it is
// matched by identity instead of by its text.
var errDBClosed = func() error {
	db, err := sql.Open("sqlite", "") // opens nothing until used
	if err != nil {
		return nil // the driver is linked in: cannot happen
	}
	db.Close()
	return db.Ping()
}()

// interpretError maps SQLite errors to the store's sentinels, keeping the
// original in the chain.
func interpretError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var sqlErr *sqlite.Error
	if !errors.As(err, &sqlErr) {
		if errors.Is(err, errDBClosed) || errors.Is(err, sql.ErrConnDone) {
			return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
		}
		return err
	}
	code := sqlErr.Code()
	if code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		switch msg := sqlErr.Error(); {
		case strings.Contains(msg, streamVersionColumn):
			return fmt.Errorf("%w: %w", eventstore.ErrConcurrency, err)
		case strings.Contains(msg, eventIDColumn):
			return fmt.Errorf("%w: %w", eventstore.ErrDuplicateEvent, err)
		}
		return err
	}
	switch code {
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	// Extended codes of contention and I/O (SQLITE_BUSY_SNAPSHOT,
	// SQLITE_IOERR_FSYNC...) carry their primary code in the low byte; the
	// other extended codes (SQLITE_READONLY_DBMOVED...) say more than
	// "try again" and are left as they are.
	switch code & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR:
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	return err
}

// IsUniqueViolation tells whether err is a SQLite unique or primary key
// violation, for components that keep their own tables in the file.
func IsUniqueViolation(err error) bool {
	var sqlErr *sqlite.Error
	return errors.As(err, &sqlErr) &&
		(sqlErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqlErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}
