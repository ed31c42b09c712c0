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
