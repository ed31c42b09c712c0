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

	// markSQL begins every append: it takes the feed lock (see the package
	// doc and watermarkSQL) in a CTE that the inserted rows are joined
	// with, so that the lock is held before the first row is made, and so
	// before the transaction gets its id (TestAppendLocksBeforeItHasAnID).
	// MATERIALIZED says what PostgreSQL does anyway with a volatile CTE:
	// run it once, never inline it.
	markSQL = `WITH mark AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(` + feedLockClass + `, 'events'::regclass::oid::int4))`

	// insertColumns prefixes the typed VALUES built by insertSQL, joined
	// with mark. Typed: a sub-select cannot infer parameter types from the
	// target.
	insertColumns = `INSERT INTO events (stream_id, stream_version, event_id,
		event_type, schema_version, data, metadata, recorded_at, hash) SELECT e.* FROM mark, (VALUES `

	insertValuesEnd = `) AS e`

	insertReturning = ` RETURNING position, transaction_id`

	// guardSQL inserts only if the stream's event at the expected version
	// has the hash the caller claims: the head is checked in the statement
	// instead of read before it.
	guardSQL = ` WHERE EXISTS (SELECT 1 FROM events
		WHERE stream_id = $%d AND stream_version = $%d AND hash = $%d)`

	// withViewSQL follows markSQL and wraps an events INSERT (%s) so that
	// the view is written by the same statement: one round trip, and atomic
	// without a transaction. The view's parameters follow the insert's:
	// stream id, version, list key and document, then its detail version
	// and detail unless it keeps the stored ones: see writeDetailSQL and
	// keepDetailSQL, which complete it.
	withViewSQL = `, ins AS (%s), v AS (INSERT INTO stream_views (stream_id, version, list_key, document, detail_version, detail)
		SELECT $%d, $%d, $%d, $%d, %s WHERE EXISTS (SELECT 1 FROM ins)
		ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version,
			list_key = EXCLUDED.list_key, document = EXCLUDED.document%s)
		SELECT position, transaction_id FROM ins ORDER BY position`

	// writeDetailSQL ends withViewSQL's update for a view that gives its
	// detail, even a nil one.
	writeDetailSQL = `, detail = EXCLUDED.detail, detail_version = EXCLUDED.detail_version`

	// keepDetailSQL is the detail version and detail that withViewSQL
	// inserts for a view that keeps the stored ones: a first view has none
	// to keep, and no detail version, which tells readers not to trust a
	// detail that was never written. Its update then leaves detail and
	// detail_version out, so that the row's new version keeps the detail's
	// TOAST pointer instead of a copy (see migration 00006).
	keepDetailSQL = `NULL::bigint, NULL::json`
)

// eventColumnTypes are the casts of an event row's nine parameters.
var eventColumnTypes = [9]string{"text", "bigint", "uuid", "text", "integer", "json", "json", "timestamptz", "bytea"}

// The feed lock. Its key is two numbers: feedLockClass, this driver's, and
// the oid of the events table, so that the stores of two schemas of one
// database do not wait for each other's appends. A two-number advisory
// lock (objsubid 2 in pg_locks) never meets the leases' one-number locks
// (objsubid 1).
const feedLockClass = `1717728102` // "fbsf"

// Reads of the log.
const (
	readStreamSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE stream_id = $1 AND stream_version >= $2
		ORDER BY stream_version LIMIT $3`

	readStreamsSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE stream_id = ANY($1) ORDER BY stream_id, stream_version`

	// watermarkSQL is the first statement of a feed read: the id of the
	// oldest transaction that holds the feed lock, or, if none does, the
	// xmax of the statement's snapshot. A transaction that holds the lock
	// and has an id below that xmax was running when the snapshot was
	// taken, so it is in the snapshot's list of running ids, as a full
	// xid8; pg_stat_activity tells its 32-bit id. One that has no id yet
	// gets one above the xmax. It runs as a transaction of its own:
	// pg_stat_activity is a copy taken once per transaction, which later
	// statements of that transaction would read stale. See the package doc.
	watermarkSQL = `SELECT coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
		FROM pg_snapshot_xip(pg_current_snapshot()) AS x
		WHERE x::text::bigint % 4294967296 IN (
			SELECT a.backend_xid::text::bigint FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.objsubid = 2
			  AND l.classid = ` + feedLockClass + `::oid AND l.objid = 'events'::regclass::oid
			  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`

	// feedSQL is the second statement, with a newer snapshot: the events
	// of transactions below the watermark ($3), all of them committed or
	// rolled back by now.
	feedSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
		  AND transaction_id < $3::xid8
		ORDER BY transaction_id, position
		LIMIT $4`

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
	// A view stored whole has a NULL detail_version:
	// DetailVersion 0.
	viewColumns = `stream_id, version, list_key, document::text, detail::text, coalesce(detail_version, 0)`

	viewSQL = `SELECT ` + viewColumns + ` FROM stream_views WHERE stream_id = $1`

	// listViewsSQL never lists the empty key, and says so in the query so
	// that the planner can use the partial index, which leaves it out.
	listViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE list_key = $1 AND list_key <> '' AND stream_id COLLATE "C" > $2
		ORDER BY stream_id COLLATE "C" LIMIT $3`

	scanViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE stream_id > $1 ORDER BY stream_id LIMIT $2`

	readViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views WHERE stream_id = ANY($1)`
)

// View rebuilds. The fresh table is unlogged while it fills: it is thrown
// away on a crash anyway, and skipping the WAL doubles the fill rate.
const (
	createRebuildSQL = `DROP TABLE IF EXISTS stream_views_rebuild;
		CREATE UNLOGGED TABLE stream_views_rebuild (LIKE stream_views INCLUDING ALL)`

	putRebuildSQL = `INSERT INTO stream_views_rebuild (stream_id, version, list_key, document, detail, detail_version)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::json[], $5::json[], $6::bigint[])
		ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version,
			list_key = EXCLUDED.list_key, document = EXCLUDED.document,
			detail = EXCLUDED.detail, detail_version = EXCLUDED.detail_version`

	dropRebuildSQL = `DROP TABLE IF EXISTS stream_views_rebuild`

	// SHARE ROW EXCLUSIVE lets readers in and keeps every writer out.
	lockViewsSQL = `LOCK TABLE stream_views IN SHARE ROW EXCLUSIVE MODE`

	changedViewsSQL = `SELECT stream_id FROM stream_views l
		FULL JOIN stream_views_rebuild r USING (stream_id)
		WHERE l.version IS DISTINCT FROM r.version`

	// Replacing the rows, not renaming tables: appends waiting on the lock
	// then write to the same table, instead of failing on a dropped one.
	swapViewsSQL = `DELETE FROM stream_views;
		INSERT INTO stream_views (stream_id, version, list_key, document, detail, detail_version)
			SELECT stream_id, version, list_key, document, detail, detail_version FROM stream_views_rebuild;
		DROP TABLE stream_views_rebuild`
)

// Sequences and checkpoints.
const (
	// reserveSQL returns the first of $2 values reserved from sequence $1.
	// A reservation on another server than the last one (a promoted
	// standby: a new timeline; or another system) first skips $3 values:
	// the reservations made on the old primary that never reached it were
	// handed out already (see Config.FailoverGap).
	reserveSQL = `INSERT INTO sequences (name, next, server)
		VALUES ($1, 1 + $2, ` + serverSQL + `)
		ON CONFLICT (name) DO UPDATE SET
			next = sequences.next + $2 + CASE WHEN sequences.server IS DISTINCT FROM EXCLUDED.server THEN $3::bigint ELSE 0 END,
			server = EXCLUDED.server
		RETURNING next - $2`

	// serverSQL names the server a statement runs on: its system
	// identifier and its timeline (the first part of the current WAL
	// file's name), which a promotion changes. Neither needs a privilege.
	serverSQL = `(SELECT system_identifier::text FROM pg_control_system()) || '/' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)`

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
