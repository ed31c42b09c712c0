package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/sessionlog"
)

// skipPositions makes the store's next position 10 above its head, as
// appends that rolled back do: room for an intruder below a checkpoint.
func skipPositions(t *testing.T, e *env) {
	t.Helper()
	if e.dialect == "postgres" {
		e.tamper(t, `SELECT setval(pg_get_serial_sequence('events', 'position'), (SELECT max(position) FROM events) + 10)`)
		return
	}
	e.tamper(t, `UPDATE sqlite_sequence SET seq = seq + 10 WHERE name = 'events'`)
}

// moveBelow re-inserts a stream's events from version on at the positions
// from to on, as an intruder who can name positions would.
func moveBelow(t *testing.T, e *env, id string, version, to int64) {
	t.Helper()
	// SQLite's commit_seq orders its feed; PostgreSQL's transaction_id
	// has a default.
	columns, overriding, values := "position, commit_seq,", "", "$1, $1,"
	if e.dialect == "postgres" {
		columns, overriding, values = "position,", "OVERRIDING SYSTEM VALUE", "$1,"
	}
	for _, ev := range e.events(t, id) {
		if ev.Version < version {
			continue
		}
		e.tamper(t, `DELETE FROM events WHERE position = $1`, ev.Position)
		recordedAt := any(ev.RecordedAt)
		if e.dialect == "sqlite" {
			recordedAt = ev.RecordedAt.UnixMicro()
		}
		e.tamper(t, `INSERT INTO events (`+columns+` stream_id, stream_version, event_id, event_type,
			schema_version, data, metadata, recorded_at, hash) `+overriding+`
			VALUES (`+values+` $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			to, ev.StreamID, ev.Version, ev.ID.String(), ev.Type, ev.SchemaVersion, string(ev.Data), string(ev.Metadata), recordedAt, ev.Hash)
		to++
	}
}

// Events slipped in below a checkpoint's position, at positions the store
// left free, pass plain verification (chains, read model) but not the
// checkpoint, which signed the set of events up to its position: a whole
// session it never saw, and a stream grown past the head it signed.
func TestVerifySinceCatchesEventsSlippedBelow(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		e.session(t, "s0", "")
		startSession(t, e, "s1")
		skipPositions(t, e)
		e.session(t, "s2", "")
		cp, err := audit.Checkpoint(ctx, e.store, priv)
		require.NoError(t, err)
		require.Equal(t, audit.CheckpointFormat, cp.Format)

		e.session(t, "forged", "")
		_, err = e.cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
		require.NoError(t, err)
		moveBelow(t, e, "forged", 1, 5)
		moveBelow(t, e, "s1", 2, 8)

		plain, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, plain.OK(), "plain verification is fooled: %+v", plain.Problems)
		r, err := audit.VerifySince(ctx, e.store, cp, pub, audit.VerifyParams{})
		require.NoError(t, err)
		require.Equal(t, 2, r.ProblemCount, "%+v", r.Problems)
		require.Equal(t, audit.Problem{Position: 5, StreamID: sessionlog.StreamID("forged"), Version: 1,
			Reason: "not signed by the checkpoint: version 1 at position 5 is at or below its position " + strconv.FormatInt(cp.Position, 10) + ", in a stream it does not list"}, r.Problems[0])
		require.Equal(t, sessionlog.StreamID("s1"), r.Problems[1].StreamID)
		require.Contains(t, r.Problems[1].Reason, "past the head it signed (version 1)")
	})
}

// An older checkpoint, whose heads may miss events that committed late
// below its position, is held to its heads only.
func TestVerifySinceOlderFormat(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		e.session(t, "s0", "")
		skipPositions(t, e)
		e.session(t, "s1", "")
		cp, err := audit.Checkpoint(ctx, e.store, priv)
		require.NoError(t, err)
		cp.Format = audit.CheckpointFormatHeads
		cp.Signature = ed25519.Sign(priv, cp.Statement())
		e.session(t, "late", "")
		moveBelow(t, e, "late", 1, 4)
		r, err := audit.VerifySince(ctx, e.store, cp, pub, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, r.OK(), "%+v", r.Problems)
	})
}

// On PostgreSQL an append takes its position before it commits. A
// checkpoint waits for the appends in flight, so that one committing late
// below its position is in it, not a false alarm at verification.
func TestCheckpointWaitsForAppendsInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := postgrestest.NewPool(t)
	s, err := postgres.New(pool, postgres.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(ctx)
	require.NoError(t, err)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)

	// An append in flight, as the store makes it: the feed lock, then a
	// position, and no commit yet.
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(1717728102, 'events'::regclass::oid::int4)`)
	require.NoError(t, err)
	late := eventstore.RecordedEvent{StreamID: "late", Version: 1, ID: uuid.New(), Type: "Late", SchemaVersion: 1,
		Data: []byte(`{}`), Metadata: []byte(`{}`), RecordedAt: time.Now().UTC().Truncate(time.Microsecond)}
	late.Hash = eventstore.ChainHash(nil, &late)
	_, err = tx.Exec(ctx, `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, late.StreamID, late.Version, late.ID, late.Type, late.SchemaVersion,
		string(late.Data), string(late.Metadata), late.RecordedAt, late.Hash)
	require.NoError(t, err)
	_, err = s.Append(ctx, &eventstore.AppendParams{StreamID: "early", Events: []eventstore.EventData{{Type: "Early", SchemaVersion: 1, Data: []byte(`{}`)}}})
	require.NoError(t, err)

	done := make(chan *audit.SignedCheckpoint)
	go func() {
		cp, err := audit.Checkpoint(ctx, s, priv)
		if err != nil {
			t.Error(err)
		}
		done <- cp
	}()
	select {
	case <-done:
		t.Fatal("the checkpoint did not wait for the append in flight")
	case <-time.After(300 * time.Millisecond):
	}
	require.NoError(t, tx.Commit(ctx))
	cp := <-done
	require.NotNil(t, cp)
	require.Equal(t, int64(2), cp.Streams, "the late append is in the checkpoint")
	requireConsistent(t, s, cp, true)
	r, err := audit.VerifySince(ctx, s, cp, pub, audit.VerifyParams{})
	require.NoError(t, err)
	require.True(t, r.OK(), "%+v", r.Problems)
}
