package postgres

// The queries of this driver. The sqlite driver has the same names so the
// two dialects can be read side by side.

// data and metadata are read as text: the same bytes, without pgx checking
// once more, on every read, JSON that was checked when it was written (a
// third of a rebuild's CPU).
const eventColumns = `position, transaction_id, stream_id, stream_version, event_id,
	event_type, schema_version, data::text, metadata::text, recorded_at, hash`

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

	// upsertViewSQL takes its five parameters after the events' ones.
	upsertViewSQL = `INSERT INTO stream_views (stream_id, version, owner, active, document)
		SELECT $%d, $%d, $%d, $%d, $%d WHERE EXISTS (SELECT 1 FROM ins)
		ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version,
			owner = EXCLUDED.owner, active = EXCLUDED.active, document = EXCLUDED.document`

	viewColumns = `stream_id, version, owner, active, document::text`

	viewSQL = `SELECT ` + viewColumns + ` FROM stream_views WHERE stream_id = $1`

	listViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE owner = $1 AND (active OR NOT $2) ORDER BY stream_id`

	// reserveSQL returns the first of $2 values reserved from sequence $1.
	reserveSQL = `INSERT INTO sequences (name, next) VALUES ($1, 1 + $2)
		ON CONFLICT (name) DO UPDATE SET next = sequences.next + $2
		RETURNING next - $2`

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
)

const (
	scanStreamsSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE (stream_id, stream_version) > ($1, $2)
		ORDER BY stream_id, stream_version LIMIT $3`

	readRangeSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE position >= $1 AND ($2 = 0 OR position <= $2)
		ORDER BY position LIMIT $3`

	scanViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE stream_id > $1 ORDER BY stream_id LIMIT $2`
)
