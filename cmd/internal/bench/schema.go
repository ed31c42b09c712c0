package bench

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// newSchema creates a schema and returns a URL working in it, and a
// function dropping it.
func newSchema(ctx context.Context, dbURL, name string) (string, func(), error) {
	if err := execSQL(ctx, dbURL, "CREATE SCHEMA "+name); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	drop := func() { _ = execSQL(context.Background(), dbURL, "DROP SCHEMA "+name+" CASCADE") }
	return u.String(), drop, nil
}

// connect opens one connection to dbURL, which may carry pgxpool's
// settings (pool_max_conns, ...) meant for the service: they are not sent
// to the server.
func connect(ctx context.Context, dbURL string) (*pgx.Conn, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg.ConnConfig)
}

func execSQL(ctx context.Context, dbURL, sql string) error {
	conn, err := connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
