package sqlite

// The queries of this driver, named as in the postgres driver.

const eventColumns = `position, commit_seq, stream_id, stream_version, event_id,
	event_type, schema_version, data, metadata, recorded_at, hash`

const (
	headSQL = `SELECT stream_version, hash FROM events
		WHERE stream_id = ? ORDER BY stream_version DESC LIMIT 1`

	nextCommitSQL = `SELECT COALESCE(MAX(commit_seq), 0) + 1 FROM events`

	insertSQL = `INSERT INTO events (commit_seq, stream_id, stream_version, event_id,
		event_type, schema_version, data, metadata, recorded_at, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING position`

	upsertViewSQL = `INSERT INTO stream_views (stream_id, version, owner, active, document)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version,
			owner = excluded.owner, active = excluded.active, document = excluded.document`

	viewColumns = `stream_id, version, owner, active, document`

	viewSQL = `SELECT ` + viewColumns + ` FROM stream_views WHERE stream_id = ?`

	listViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE owner = ? AND (active OR NOT ?) ORDER BY stream_id`

	reserveSQL = `INSERT INTO sequences (name, next) VALUES (?1, 1 + ?2)
		ON CONFLICT (name) DO UPDATE SET next = sequences.next + ?2
		RETURNING next - ?2`

	readStreamSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE stream_id = ? AND stream_version >= ?
		ORDER BY stream_version`

	// Appends are serialised, so every committed event is visible in feed
	// order as soon as it commits: no watermark is needed.
	feedSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE (commit_seq, position) > (?, ?)
		ORDER BY commit_seq, position
		LIMIT ?`
)

const (
	scanStreamsSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE (stream_id, stream_version) > (?, ?)
		ORDER BY stream_id, stream_version LIMIT ?`

	readRangeSQL = `SELECT ` + eventColumns + ` FROM events
		WHERE position >= ?1 AND (?2 = 0 OR position <= ?2)
		ORDER BY position LIMIT ?3`

	scanViewsSQL = `SELECT ` + viewColumns + ` FROM stream_views
		WHERE stream_id > ? ORDER BY stream_id LIMIT ?`
)
