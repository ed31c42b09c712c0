package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fbsession/fbsession/eventstore"
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
		case pgErr.Code == "23505" && pgErr.ConstraintName == "events_stream_version_key":
			return fmt.Errorf("%w: %w", eventstore.ErrConcurrency, err)
		case pgErr.Code == "23505" && pgErr.ConstraintName == "events_event_id_key":
			return fmt.Errorf("%w: %w", eventstore.ErrDuplicateEvent, err)
		case pgErr.Code[:2] == "08", // connection exception
			pgErr.Code[:2] == "53",                                              // insufficient resources (too many connections, disk full)
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, cannot connect now
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
	// Idempotency-Key, a retry cannot apply the change twice). pgxpool's
	// closed-pool error is not exported.
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "closed pool") {
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
	return err
}

// IsUniqueViolation tells whether err is PostgreSQL's unique_violation, for
// components that keep their own tables beside the store's.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
