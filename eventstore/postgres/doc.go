// Package postgres is the PostgreSQL driver of the event store (pgx v5).
//
// # Concurrency
//
// Optimistic: (stream_id, stream_version) is unique, so of two appends at
// the same expected version exactly one inserts; the other gets a unique
// violation, returned as *eventstore.ConcurrencyError. Nothing is ever
// skipped with ON CONFLICT DO NOTHING.
//
// # Global feed without gaps
//
// Positions come from an identity column, drawn while a transaction runs:
// position 11 can commit and become visible before position 10 does. A
// reader that checkpoints "position > 11" then loses 10 for good (the classic
// bigserial gap bug). Two cures were measured: serialising appends with a
// global advisory lock held through commit, which cost most of the append
// rate because commits could no longer share an fsync, and a
// transaction-id watermark, which cost next to nothing. The measured
// comparison is in docs/PERFORMANCE.md.
//
// This driver uses the watermark. Every row records the xid8 of the
// transaction that inserted it (transaction_id, defaulting to
// pg_current_xact_id()), the feed is ordered by (transaction_id, position),
// and ReadFeed returns only rows whose transaction is older than the oldest
// one still running (pg_snapshot_xmin(pg_current_snapshot())). Every
// transaction that could still add rows sorts after everything returned, so
// the reader's cursor never passes an event that commits later.
//
// The price: the xmin is cluster-wide, so a long transaction anywhere on the
// server (a manual psql session left open, a long report) holds the feed
// back until it ends. Notifications are delayed then, never lost.
//
// # Round trips
//
// An append to a new stream is one INSERT statement, committed on its own
// (one round trip). An append to an existing stream first reads the head's
// hash, then inserts: two round trips and no explicit transaction, which is
// safe because committed events never change and the unique key rejects a
// competing insert.
//
// # Wake-ups
//
// After an append the store wakes local readers at once and sends a
// coalesced NOTIFY outside the append's transaction (a NOTIFY inside it would
// take the notify queue's global lock at every commit). Readers in other
// processes LISTEN, and poll every Config.PollInterval in case a
// notification was lost with a connection.
package postgres
