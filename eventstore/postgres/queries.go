package postgres

// Every SQL text of this driver. The sqlite driver names its queries the
// same, so the two dialects can be read side by side; a name found in one
// file only is a query the other dialect does not need.

// data and metadata are read as text: the same bytes, without pgx checking
// once more, on every read, JSON that was checked when it was written (a
// third of a rebuild's CPU).
const eventColumns = `position, transaction_id, stream_id, stream_version, event_id,
	event_type, schema_version, data::text, metadata::text, recorded_at, hash`

// Appends. An append is one statement built from these fragments by
// appendSQL, for the number of events and whether it checks a claimed head
// and writes a view.
const (
	// headSQL reads the last event's version and hash of a stream.
	headSQL = `SELECT stream_version, hash FROM events
		WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1`

	// insertColumns prefixes the multi-row VALUES built by insertSQL.
	insertColumns = `INSERT INTO events (stream_id, stream_version, event_id,
		event_type, schema_version, data, metadata, recorded_at, hash) VALUES `

	insertReturning = ` RETURNING position, transaction_id`

	// guardedInsertColumns and guardSQL insert only if the stream's event
	// at the expected version has the hash the caller claims: the head is
	// checked in the statement instead of read before it.
	guardedInsertColumns = `INSERT INTO events (stream_id, stream_version, event_id,
		event_type, schema_version, data, metadata, recorded_at, hash) SELECT * FROM (VALUES `
	guardSQL = `) AS v WHERE EXISTS (SELECT 1 FROM events
		WHERE stream_id = $%d AND stream_version = $%d AND hash = $%d)`

	// withViewSQL wraps an events INSERT (%s) so that the view is written
	// by the same statement: one round trip, and atomic without a
	// transaction. The view's four parameters follow the insert's.
	withViewSQL = `WITH ins AS (%s), v AS (INSERT INTO stream_views (stream_id, version, list_key, document)
		SELECT $%d, $%d, $%d, $%d WHERE EXISTS (SELECT 1 FROM ins)
		ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version,
			list_key = EXCLUDED.list_key, document = EXCLUDED.document)
		SELECT position, transaction_id FROM ins ORDER BY position`
)

// eventColumnTypes are the casts of an event row's nine parameters in a
// guarded insert, where a sub-select cannot infer them from the target.
var eventColumnTypes = [9]string{"text", "bigint", "uuid", "text", "integer", "json", "json", "timestamptz", "bytea"}

// Reads of the log.
const (
	readStreamSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE stream_id = $1 AND stream_version >= $2
		ORDER BY stream_version`

	readStreamsSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE stream_id = ANY($1) ORDER BY stream_id, stream_version`

	// feedSQL returns only events of transactions older than every one still
	// running: see the package doc.
	feedSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
		  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
		ORDER BY transaction_id, position
		LIMIT $3`

	lastPositionSQL = `SELECT COALESCE(MAX(position), 0) FROM events`

	scanStreamsSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE (stream_id, stream_version) > ($1, $2)
		ORDER BY stream_id, stream_version LIMIT $3`

	readRangeSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE position >= $1 AND ($2 = 0 OR position <= $2)
		ORDER BY position LIMIT $3`
)

// Views.
const (
	viewColumns = `stream_id, version, list_key, document::text`

	viewSQL = `SELECT ` + viewColumns + ` FROM stream_views WHERE stream_id = $1`

	// listViewsSQL never lists the empty key, and says so in the query so
	// that the planner can use the partial index, which leaves it out.
	listViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE list_key = $1 AND list_key <> '' ORDER BY stream_id`

	scanViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE stream_id > $1 ORDER BY stream_id LIMIT $2`
)

// View rebuilds. The fresh table is unlogged while it fills: it is thrown
// away on a crash anyway, and skipping the WAL doubles the fill rate.
const (
	createRebuildSQL = `DROP TABLE IF EXISTS stream_views_rebuild;
		CREATE UNLOGGED TABLE stream_views_rebuild (LIKE stream_views INCLUDING ALL)`

	putRebuildSQL = `INSERT INTO stream_views_rebuild (stream_id, version, list_key, document)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::json[])
		ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version,
			list_key = EXCLUDED.list_key, document = EXCLUDED.document`

	dropRebuildSQL = `DROP TABLE IF EXISTS stream_views_rebuild`

	// SHARE ROW EXCLUSIVE lets readers in and keeps every writer out.
	lockViewsSQL = `LOCK TABLE stream_views IN SHARE ROW EXCLUSIVE MODE`

	changedViewsSQL = `SELECT stream_id FROM stream_views l
		FULL JOIN stream_views_rebuild r USING (stream_id)
		WHERE l.version IS DISTINCT FROM r.version`

	// Replacing the rows, not renaming tables: appends waiting on the lock
	// then write to the same table, instead of failing on a dropped one.
	swapViewsSQL = `DELETE FROM stream_views;
		INSERT INTO stream_views (stream_id, version, list_key, document)
			SELECT stream_id, version, list_key, document FROM stream_views_rebuild;
		DROP TABLE stream_views_rebuild`
)

// Sequences and checkpoints.
const (
	// reserveSQL returns the first of $2 values reserved from sequence $1.
	reserveSQL = `INSERT INTO sequences (name, next) VALUES ($1, 1 + $2)
		ON CONFLICT (name) DO UPDATE SET next = sequences.next + $2
		RETURNING next - $2`

	checkpointSQL = `SELECT transaction_id, position FROM checkpoints WHERE name = $1`

	saveCheckpointSQL = `INSERT INTO checkpoints (name, transaction_id, position, updated_at)
		VALUES ($1, $2, $3, now())
		ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id,
			position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`
)

// Leases and wake-ups.
const (
	// Advisory locks are database-wide: the schema is part of the key, so
	// that deployments in two schemas of one database do not collide.
	leaseSQL = `WITH k AS (SELECT hashtextextended('fbsession/lease/' || current_schema() || '/' || $1, 0) AS key)
		SELECT key, pg_try_advisory_lock(key) FROM k`

	unlockSQL = `SELECT pg_advisory_unlock($1)`

	// notifySQL commits without waiting for its WAL to reach the disk: a
	// NOTIFY needs a transaction id and a commit record of its own, and a
	// durable commit would cost an fsync for a hint that a crash makes moot
	// anyway (listeners also poll). Set locally, it ends with the
	// statement's implicit transaction, after its commit.
	notifySQL = `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`

	// listenSQL is followed by the channel, an identifier: LISTEN takes no
	// parameter. Config.validate keeps the channel a plain identifier.
	listenSQL = `LISTEN `
)
