package postgrestest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// OtherDatabase is a second database of the test cluster, for tests of
// what another database's sessions do to this one's.
const OtherDatabase = "fbsession_test_other"

// OtherDatabaseConfig returns the configuration of a connection to
// OtherDatabase, created if missing and kept for the next runs.
func OtherDatabaseConfig(t testing.TB) *pgx.ConnConfig {
	t.Helper()
	cfg, err := pgx.ParseConfig(URL(t))
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ensureDatabase(ctx, cfg, OtherDatabase); err != nil {
		t.Fatalf("create database %s: %v", OtherDatabase, err)
	}
	cfg.Database = OtherDatabase
	return cfg
}

// ensureDatabase creates database name on cfg's server unless it exists.
// Test packages running at once may race to create it: losing is fine.
func ensureDatabase(ctx context.Context, cfg *pgx.ConnConfig, name string) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil || exists {
		return err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == pgerrcode.DuplicateDatabase || pgErr.Code == pgerrcode.UniqueViolation) {
		return nil
	}
	return err
}

// HoldWriteInOtherDatabase begins a transaction in OtherDatabase, gives it
// a transaction id, and keeps it open until t ends: the long write of an
// unrelated application sharing the cluster.
func HoldWriteInOtherDatabase(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, OtherDatabaseConfig(t))
	if err != nil {
		t.Fatalf("connect to %s: %v", OtherDatabase, err)
	}
	// Closing the connection rolls the transaction back.
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "BEGIN; SELECT txid_current()"); err != nil {
		t.Fatalf("begin in %s: %v", OtherDatabase, err)
	}
}
