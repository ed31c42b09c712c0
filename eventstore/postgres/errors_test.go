package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func TestInterpretError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"version conflict", &pgconn.PgError{Code: "23505", ConstraintName: "events_stream_version_key"}, eventstore.ErrConcurrency},
		{"duplicate event", &pgconn.PgError{Code: "23505", ConstraintName: "events_event_id_key"}, eventstore.ErrDuplicateEvent},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, eventstore.ErrUnavailable},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, eventstore.ErrUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, eventstore.ErrUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, eventstore.ErrUnavailable},
		{"connect error", &pgconn.ConnectError{}, eventstore.ErrUnavailable},
		{"connection lost mid-statement", fmt.Errorf("append: %w", io.ErrUnexpectedEOF), eventstore.ErrUnavailable},
		{"wrapped", fmt.Errorf("x: %w", &pgconn.PgError{Code: "23505", ConstraintName: "events_stream_version_key"}), eventstore.ErrConcurrency},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := interpretError(tc.err)
			require.ErrorIs(t, got, tc.want)
			var pgErr *pgconn.PgError
			if errors.As(tc.err, &pgErr) {
				require.ErrorAs(t, got, &pgErr, "the original stays in the chain")
			}
		})
	}
	for _, err := range []error{
		&pgconn.PgError{Code: "23505", ConstraintName: "other_key"},
		&pgconn.PgError{Code: "42601"},
		context.Canceled,
	} {
		got := interpretError(err)
		require.NotErrorIs(t, got, eventstore.ErrConcurrency)
		require.NotErrorIs(t, got, eventstore.ErrDuplicateEvent)
	}
	require.NotErrorIs(t, interpretError(context.Canceled), eventstore.ErrUnavailable)
	require.NoError(t, interpretError(nil))
}
