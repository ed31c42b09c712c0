// Package migrations holds the versioned schema of each store dialect,
// embedded in the binary, and applies it with goose.
//
// One folder per dialect; files are numbered and never edited once released:
// a change is a new file.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/crc64"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Dialect names a schema folder.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Up applies every migration of the dialect that db has not had yet and
// returns the schema version reached. On PostgreSQL a session advisory lock
// keeps two starting processes from migrating at once.
func Up(ctx context.Context, db *sql.DB, d Dialect) (int64, error) {
	p, err := provider(ctx, db, d)
	if err != nil {
		return 0, err
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate %s: %w", d, err)
	}
	return p.GetDBVersion(ctx)
}

// Pending tells how many migrations db has not had yet.
func Pending(ctx context.Context, db *sql.DB, d Dialect) (int, error) {
	p, err := provider(ctx, db, d)
	if err != nil {
		return 0, err
	}
	status, err := p.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration status %s: %w", d, err)
	}
	n := 0
	for _, s := range status {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}

func provider(ctx context.Context, db *sql.DB, d Dialect) (*goose.Provider, error) {
	fsys, err := fs.Sub(files, string(d))
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", d, err)
	}
	var opts []goose.ProviderOption
	gd := goose.DialectSQLite3
	if d == Postgres {
		gd = goose.DialectPostgres
		// One lock per schema: migrating two schemas at once is safe, and
		// the tests, which each get a schema, need not queue behind each
		// other's lock retries.
		var schema string
		if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		id := int64(crc64.Checksum([]byte("fbsession/"+schema), crc64.MakeTable(crc64.ECMA)) >> 1)
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gd, db, fsys, opts...)
}
