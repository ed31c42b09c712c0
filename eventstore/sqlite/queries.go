package sqlite

// Every SQL text of this driver, named as in the postgres driver so the two
// dialects can be read side by side; a name found in one file only is a
// query the other dialect does not need.

const eventColumns = `position, commit_seq, stream_id, stream_version, event_id,
	event_type, schema_version, data, metadata, recorded_at, hash`

// Appends. One transaction, holding the file's write lock, runs these in
// turn: no statement has to check the head itself.
const (
	headSQL = `SELECT stream_version, hash FROM events
		WHERE stream_id = ? ORDER BY stream_version DESC LIMIT 1`

	// Appends are serialised, so the next commit number is the highest
	// one plus one.
	nextCommitSQL = `SELECT COALESCE(MAX(commit_seq), 0) + 1 FROM events`

	insertSQL = `INSERT INTO events (commit_seq, stream_id, stream_version, event_id,
		event_type, schema_version, data, metadata, recorded_at, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING position`

	// upsertViewSQL writes a view, its detail, even a nil one, and the
	// detail's version (?6).
	upsertViewSQL = `INSERT INTO stream_views (stream_id, version, list_key, document, detail_version, detail)
		VALUES (?1, ?2, ?3, ?4, ?6, ?5)
		ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version,
			list_key = excluded.list_key, document = excluded.document,
			detail = excluded.detail, detail_version = excluded.detail_version`

	// upsertViewKeepDetailSQL writes a view that keeps its stored detail:
	// a first view has none to keep, and no detail version, which tells
	// readers not to trust a detail that was never written.
	upsertViewKeepDetailSQL = `INSERT INTO stream_views (stream_id, version, list_key, document, detail_version, detail)
		VALUES (?1, ?2, ?3, ?4, NULL, NULL)
		ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version,
			list_key = excluded.list_key, document = excluded.document`
)

// Reads of the log.
const (
	readStreamSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE stream_id = ? AND stream_version >= ?
		ORDER BY stream_version LIMIT ?`

	// readStreamsSQL takes the stream ids as one JSON array: one statement
	// text whatever their number, and no limit on host parameters.
	readStreamsSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE stream_id IN (SELECT value FROM json_each(?))
		ORDER BY stream_id, stream_version`

	// Appends are serialised, so every committed event is visible in feed
	// order as soon as it commits: no watermark is needed.
	feedSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE (commit_seq, position) > (?, ?)
		ORDER BY commit_seq, position
		LIMIT ?`

	lastPositionSQL = `SELECT COALESCE(MAX(position), 0) FROM events`

	scanStreamsSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE (stream_id, stream_version) > (?, ?)
		ORDER BY stream_id, stream_version LIMIT ?`

	readRangeSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE position >= ?1 AND (?2 = 0 OR position <= ?2)
		ORDER BY position LIMIT ?3`
)

// Views.
const (
	// A view stored whole has a NULL detail_version:
	// DetailVersion 0.
	viewColumns = `stream_id, version, list_key, document, detail, coalesce(detail_version, 0)`

	viewSQL = `SELECT ` + viewColumns + ` FROM stream_views WHERE stream_id = ?`

	// listViewsSQL never lists the empty key, and says so in the query so
	// that the planner can use the partial index, which leaves it out.
	listViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE list_key = ? AND list_key <> '' AND stream_id > ?
		ORDER BY stream_id LIMIT ?`

	scanViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE stream_id > ? ORDER BY stream_id LIMIT ?`

	// readViewsSQL takes the stream ids as one JSON array, as
	// readStreamsSQL does.
	readViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE stream_id IN (SELECT value FROM json_each(?))`
)

// View rebuilds. The swap runs in one write transaction: readers (WAL) keep
// the old views until it commits.
const (
	createRebuildSQL = `DROP TABLE IF EXISTS stream_views_rebuild;
		CREATE TABLE stream_views_rebuild (
			stream_id TEXT PRIMARY KEY, version INTEGER NOT NULL,
			list_key TEXT NOT NULL, document TEXT NOT NULL,
			detail TEXT, detail_version INTEGER)`

	putRebuildSQL = `INSERT INTO stream_views_rebuild (stream_id, version, list_key, document, detail, detail_version)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version,
			list_key = excluded.list_key, document = excluded.document,
			detail = excluded.detail, detail_version = excluded.detail_version`

	dropRebuildSQL = `DROP TABLE IF EXISTS stream_views_rebuild`

	changedViewsSQL = `SELECT l.stream_id FROM stream_views l
		LEFT JOIN stream_views_rebuild r USING (stream_id) WHERE r.version IS NOT l.version
		UNION
		SELECT r.stream_id FROM stream_views_rebuild r
		LEFT JOIN stream_views l USING (stream_id) WHERE l.stream_id IS NULL`

	swapViewsSQL = `DELETE FROM stream_views;
		INSERT INTO stream_views (stream_id, version, list_key, document, detail, detail_version)
			SELECT stream_id, version, list_key, document, detail, detail_version FROM stream_views_rebuild;
		DROP TABLE stream_views_rebuild`
)

// Sequences and checkpoints.
const (
	reserveSQL = `INSERT INTO sequences (name, next) VALUES (?1, 1 + ?2)
		ON CONFLICT (name) DO UPDATE SET next = sequences.next + ?2
		RETURNING next - ?2`

	checkpointSQL = `SELECT commit_seq, position FROM checkpoints WHERE name = ?`

	saveCheckpointSQL = `INSERT INTO checkpoints (name, commit_seq, position, updated_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET commit_seq = excluded.commit_seq,
			position = excluded.position, updated_at = excluded.updated_at`
)

// dataVersionSQL changes whenever another connection commits to the file:
// how other processes' appends are seen.
const dataVersionSQL = `PRAGMA data_version`
