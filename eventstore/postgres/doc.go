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
// bigserial gap bug).
//
// Every row records the xid8 of the transaction that inserted it
// (transaction_id, defaulting to pg_current_xact_id()), and the feed is
// ordered by (transaction_id, position). A reader must stop below the
// oldest transaction that may still add rows: the watermark. This driver
// keeps one per store, with the feed lock:
//
//   - Every append takes a shared, transaction-scoped advisory lock whose
//     key is the events table's oid (markSQL), in the same statement as its
//     INSERT and before the transaction has an id
//     (TestAppendLocksBeforeItHasAnID). Shared, appends never wait for each
//     other. PostgreSQL releases a transaction's locks only after its commit
//     is visible to new snapshots.
//   - ReadFeed runs two statements, each with its own snapshot. The first
//     (watermarkSQL) takes as watermark the id of the oldest transaction
//     holding the feed lock, or, if none has an id, the xmax of its
//     snapshot. The second returns the rows after the cursor whose
//     transaction id is below the watermark.
//
// Why nothing is skipped: an append with an id x below the watermark did
// not hold the lock when the first statement looked (else the watermark
// would be at most x), and was not about to take it (it takes the lock
// before it gets an id): it had ended, and if it committed, the second
// statement sees its rows. Any append that has not yet got an id gets one
// above the first statement's xmax, so above the watermark. Everything that
// can still appear sorts after everything returned, and the cursor never
// passes it. Two statements, not one: a snapshot taken before the lock
// table is read can miss an append that ends in between. They run as two
// implicit transactions, so a default isolation of repeatable read changes
// nothing.
//
// pg_stat_activity gives a holder's id as a 32-bit xid. The watermark is
// taken from the snapshot's list of running ids (pg_snapshot_xip), full
// xid8 values, by their low 32 bits: a holder whose id is below the
// snapshot's xmax was running when the snapshot was taken, so it is in
// that list, and running ids span less than 2^31, so the match is unique
// and the epoch right across wraparound. Holders with a higher id do not
// lower the watermark, which is at most the xmax anyway.
//
// What holds the feed back is an append of this store still in flight, and
// nothing else: a write of any length in another database of the cluster,
// on another table, or to the store of another schema (another table oid)
// does not (TestFeedNotHeldBackByOtherWrites).
//
// Considered and not chosen:
//   - Serialising appends with a global advisory lock held through commit:
//     it cost three quarters of the append rate, commits no longer sharing
//     an fsync (docs/PERFORMANCE.md).
//   - The cluster-wide xmin, pg_snapshot_xmin(pg_current_snapshot()): as
//     cheap, and one statement, but any transaction with an id anywhere on
//     the server (a psql session left open in another database) would stop
//     every notification until it ended.
//   - Logical decoding (pglogrepl): commit order for free, but it needs
//     wal_level = logical, the REPLICATION privilege, and a replication slot
//     per reader, which keeps WAL without bound while a reader is away; and
//     a second way of reading the log beside SQL.
//   - A commit sequence (a counter drawn at commit, in a deferred trigger):
//     commits queue on the counter's row lock, which is serialised appends
//     again.
//
// What an operator must know:
//   - Nothing to configure, no privilege to grant. pg_locks and
//     pg_stat_activity are readable by every role; pg_stat_activity hides
//     the query and state of other roles' sessions from a role without
//     pg_read_all_stats, but not backend_xid (checked on PostgreSQL 15 with
//     a role granted nothing).
//   - Only the store writes events. A row inserted any other way (psql, a
//     script) takes no feed lock, and if its transaction commits late the
//     feed may skip it. An append run inside a caller's transaction, as the
//     tests' holdAppend does, is fine as long as nothing earlier in that
//     transaction gave it an id.
//   - A long append of this store still holds its feed back, as it must.
//   - Upgrading from a driver without the feed lock: stop the older
//     processes before starting new ones. An older process's appends take
//     no lock, and a newer reader could skip one that commits late. (Older
//     readers are safe beside newer writers.)
//   - Read the feed on the primary: a standby's pg_locks does not show the
//     primary's appends.
//   - The lock's key is (1717728102, the events table's oid), objsubid 2 in
//     pg_locks. Another application's two-key advisory lock on the same
//     pair could only hold the feed back, never make it skip an event.
//
// The price: one more lock per append (shared, in the main lock table) and
// one more round trip per feed read; measured in docs/PERFORMANCE.md.
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
