// Package postgrestest gives tests an isolated PostgreSQL schema.
//
// Tests find the server through TEST_DATABASE_URL. Without it they fail,
// so that `go test ./...`, which shows no skip messages, cannot pass
// quietly without them; TEST_DATABASE_URL=skip skips them on purpose,
// except when CI is set, so that CI can never pass without having run
// them.
package postgrestest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvURL is the variable naming the test server.
const EnvURL = "TEST_DATABASE_URL"

// SkipValue, as EnvURL, skips the PostgreSQL tests (outside CI).
const SkipValue = "skip"

// URL returns the test database URL, failing t without one, or skipping
// it when asked to.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(EnvURL)
	switch {
	case url == "":
		t.Fatalf("%s is not set: the PostgreSQL tests need a server they may create schemas in "+
			"(bash .ci/run sets one up); %s=%s skips them", EnvURL, EnvURL, SkipValue)
	case url == SkipValue && os.Getenv("CI") != "":
		t.Fatalf("%s=%s: CI must run the PostgreSQL tests", EnvURL, SkipValue)
	case url == SkipValue:
		t.Skipf("%s=%s: skipping the PostgreSQL tests", EnvURL, SkipValue)
	}
	return url
}

// SchemaURL creates a new empty schema, dropped when t ends, and returns a
// URL whose connections work in it, for code that connects by URL.
func SchemaURL(t testing.TB) string {
	t.Helper()
	cfg := schemaConfig(t)
	return cfg.ConnString() + sep(cfg.ConnString()) + "search_path=" + cfg.ConnConfig.RuntimeParams["search_path"]
}

// NewPool returns a pool whose connections work in a new empty schema,
// dropped when t ends. Schema only: migrations are the caller's. Options
// adjust the pool's configuration (size, for benchmarks).
func NewPool(t testing.TB, opts ...func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	cfg := schemaConfig(t)
	for _, opt := range opts {
		opt(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	// Registered after the schema's cleanup, so it runs before it.
	t.Cleanup(pool.Close)
	return pool
}

// NewPoolFromURL connects to url (from SchemaURL), closed when t ends: a
// second "process" on the same schema.
func NewPoolFromURL(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func schemaConfig(t testing.TB) *pgxpool.Config {
	t.Helper()
	url := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	exec(ctx, t, url, "CREATE SCHEMA "+schema)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		exec(ctx, t, url, "DROP SCHEMA "+schema+" CASCADE")
	})
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return cfg
}

func sep(url string) string {
	if strings.Contains(url, "?") {
		return "&"
	}
	return "?"
}

func exec(ctx context.Context, t testing.TB, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
