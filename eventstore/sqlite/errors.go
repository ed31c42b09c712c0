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

// interpretError maps SQLite errors to the store's sentinels, keeping the
// original in the chain.
func interpretError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var sqlErr *sqlite.Error
	if !errors.As(err, &sqlErr) {
		// database/sql's "database is closed" has no exported sentinel.
		if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "sql: database is closed") {
			return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
		}
		return err
	}
	switch sqlErr.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		msg := sqlErr.Error()
		switch {
		case strings.Contains(msg, "events.stream_version"):
			return fmt.Errorf("%w: %w", eventstore.ErrConcurrency, err)
		case strings.Contains(msg, "events.event_id"):
			return fmt.Errorf("%w: %w", eventstore.ErrDuplicateEvent, err)
		}
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	// Extended codes carry the primary code in their low byte.
	switch sqlErr.Code() & 0xff {
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
