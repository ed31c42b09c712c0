package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"github.com/fbsession/fbsession/eventstore"
)

// The unique constraints of the events table (migrations/postgres), told
// apart by name: both are unique_violation.
const (
	streamVersionKey = "events_stream_version_key"
	eventIDKey       = "events_event_id_key"
)

// interpretError maps PostgreSQL and connection errors to the store's
// sentinels, keeping the original in the chain.
func interpretError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == pgerrcode.UniqueViolation && pgErr.ConstraintName == streamVersionKey:
			return fmt.Errorf("%w: %w", eventstore.ErrConcurrency, err)
		case pgErr.Code == pgerrcode.UniqueViolation && pgErr.ConstraintName == eventIDKey:
			return fmt.Errorf("%w: %w", eventstore.ErrDuplicateEvent, err)
		case serverUnavailable(pgErr.Code):
			return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
		}
		return err
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	// A connection lost mid-statement: whether it committed is unknown, so
	// the caller is told the store is unavailable and may retry (with an
	// Idempotency-Key, a retry cannot apply the change twice). pgxpool is
	// built on puddle and returns puddle.ErrClosedPool once closed.
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, puddle.ErrClosedPool) {
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	return err
}

// serverUnavailable tells whether a server error means the server cannot
// serve now, rather than that the statement is wrong: the connection
// failed, the server is out of connections, memory or disk, or it is
// shutting down or starting up.
func serverUnavailable(code string) bool {
	switch code {
	case pgerrcode.AdminShutdown, pgerrcode.CrashShutdown, pgerrcode.CannotConnectNow:
		return true
	}
	return pgerrcode.IsConnectionException(code) || pgerrcode.IsInsufficientResources(code)
}

// IsUniqueViolation tells whether err is PostgreSQL's unique_violation, for
// components that keep their own tables beside the store's.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UniqueViolation
}
