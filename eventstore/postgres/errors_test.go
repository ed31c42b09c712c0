package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

func TestInterpretError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want error // nil: returned unchanged
	}{
		{"version conflict", &pgconn.PgError{Code: pgerrcode.UniqueViolation, ConstraintName: streamVersionKey}, eventstore.ErrConcurrency},
		{"duplicate event", &pgconn.PgError{Code: pgerrcode.UniqueViolation, ConstraintName: eventIDKey}, eventstore.ErrDuplicateEvent},
		{"wrapped", fmt.Errorf("x: %w", &pgconn.PgError{Code: pgerrcode.UniqueViolation, ConstraintName: streamVersionKey}), eventstore.ErrConcurrency},
		{"admin shutdown", &pgconn.PgError{Code: pgerrcode.AdminShutdown}, eventstore.ErrUnavailable},
		{"crash shutdown", &pgconn.PgError{Code: pgerrcode.CrashShutdown}, eventstore.ErrUnavailable},
		{"cannot connect now", &pgconn.PgError{Code: pgerrcode.CannotConnectNow}, eventstore.ErrUnavailable},
		{"connection failure", &pgconn.PgError{Code: pgerrcode.ConnectionFailure}, eventstore.ErrUnavailable},
		{"too many connections", &pgconn.PgError{Code: pgerrcode.TooManyConnections}, eventstore.ErrUnavailable},
		{"disk full", &pgconn.PgError{Code: pgerrcode.DiskFull}, eventstore.ErrUnavailable},
		{"connect error", &pgconn.ConnectError{}, eventstore.ErrUnavailable},
		{"connection lost mid-statement", fmt.Errorf("append: %w", io.ErrUnexpectedEOF), eventstore.ErrUnavailable},
		{"pool closed", fmt.Errorf("read: %w", puddle.ErrClosedPool), eventstore.ErrUnavailable},
		{"other unique constraint", &pgconn.PgError{Code: pgerrcode.UniqueViolation, ConstraintName: "users_user_name_key"}, nil},
		{"syntax error", &pgconn.PgError{Code: pgerrcode.SyntaxError}, nil},
		{"query canceled by the server", &pgconn.PgError{Code: pgerrcode.QueryCanceled}, nil},
		{"canceled", context.Canceled, nil},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), nil},
		{"unknown", errors.New("something else"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := interpretError(tc.err)
			if tc.want == nil {
				require.Equal(t, tc.err, got, "returned unchanged")
				return
			}
			require.ErrorIs(t, got, tc.want)
			require.ErrorIs(t, got, tc.err, "the original stays in the chain")
		})
	}
	require.NoError(t, interpretError(nil))
}

// A store whose pool the caller has closed is unavailable, not broken:
// this is pgxpool's real error, not a copy of it.
func TestClosedPoolIsUnavailable(t *testing.T) {
	t.Parallel()
	pool := postgrestest.NewPool(t)
	s, err := New(pool, Config{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	pool.Close()

	ctx := context.Background()
	require.ErrorIs(t, s.Ping(ctx), eventstore.ErrUnavailable)
	_, err = s.Head(ctx)
	require.ErrorIs(t, err, eventstore.ErrUnavailable)
	require.ErrorIs(t, err, puddle.ErrClosedPool)
	_, err = s.Append(ctx, &eventstore.AppendParams{StreamID: "s", Events: []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}})
	require.ErrorIs(t, err, eventstore.ErrUnavailable)
}

func TestIsUniqueViolation(t *testing.T) {
	t.Parallel()
	require.True(t, IsUniqueViolation(fmt.Errorf("x: %w", &pgconn.PgError{Code: pgerrcode.UniqueViolation})))
	require.False(t, IsUniqueViolation(&pgconn.PgError{Code: pgerrcode.CheckViolation}))
	require.False(t, IsUniqueViolation(errors.New("unique")))
}
