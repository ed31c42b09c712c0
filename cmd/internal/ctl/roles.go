package ctl

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// DefaultServiceRole is the role fbsessiond runs as unless told otherwise.
const DefaultServiceRole = "fbsession_service"

// eventAppendColumns are the columns of events the service role may give
// in an INSERT.
const eventAppendColumns = "stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at, hash"

// ServiceGrants are the statements that let role run fbsessiond on the
// tables of schema, and no more (docs/ROLES.md). The owner role, which
// ran the migrations, owns every table; role must not be, nor be a member
// of, the owner. The log is insert and read only: without UPDATE, DELETE
// or TRUNCATE, and not owning the table (so no ALTER, DISABLE TRIGGER or
// DROP), the service cannot change an event once written. What it needs
// beyond the tables, advisory locks, LISTEN and pg_notify, pg_locks and
// pg_stat_activity, every role has.
//
// Run them again after each migration: a migration can add a table.
func ServiceGrants(role, schema string) []string {
	r := pgx.Identifier{role}.Sanitize()
	t := func(table string) string { return pgx.Identifier{schema, table}.Sanitize() }
	return []string{
		fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s", pgx.Identifier{schema}.Sanitize(), r),
		// The log: reads, and appends of every column but position and
		// transaction_id, which only their defaults set: a position only
		// grows (no event slipped in below a signed checkpoint), and the
		// feed's order is the commit's. The REVOKE drops a table-wide
		// INSERT granted before.
		fmt.Sprintf("REVOKE INSERT ON %s FROM %s", t("events"), r),
		fmt.Sprintf("GRANT SELECT, INSERT (%s) ON %s TO %s", eventAppendColumns, t("events"), r),
		// The read model, written with each append (upsert); DELETE only
		// by a rebuild, which the owner runs (fbsessionctl rebuild).
		fmt.Sprintf("GRANT SELECT, INSERT, UPDATE ON %s TO %s", t("stream_views"), r),
		// referenceId blocks and the projectors' positions (upserts).
		fmt.Sprintf("GRANT SELECT, INSERT, UPDATE ON %s, %s TO %s", t("sequences"), t("checkpoints"), r),
		// Logins read users. No UPDATE, not even of password_hash for the
		// re-hash of an outdated password at login (it fails quietly and
		// the login goes on): with it, a thief of the service's
		// credentials could set any user's password. Adding and changing
		// users is fbsessionctl's, as the owner.
		fmt.Sprintf("GRANT SELECT ON %s TO %s", t("users"), r),
		// Browser sessions (websession): issued, refreshed, ended and
		// swept by the service; each issue locks the issuer's row.
		fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %s", t("web_sessions"), r),
		fmt.Sprintf("GRANT SELECT, UPDATE ON %s TO %s", t("web_session_issuer"), r),
		// fbsessiond checks on start that the schema is migrated.
		fmt.Sprintf("GRANT SELECT ON %s TO %s", t("goose_db_version"), r),
	}
}

// printGrants prints the service role's grants for the schema of the
// PostgreSQL database the configuration names.
func (c *CLI) printGrants(ctx context.Context, role string) error {
	conn, err := pgx.Connect(ctx, c.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	fmt.Fprintf(c.Out, "-- Run fbsessiond as %s, granted only these (docs/ROLES.md):\n", Printable(role))
	for _, g := range ServiceGrants(role, schema) {
		fmt.Fprintln(c.Out, Printable(g)+";")
	}
	return nil
}
