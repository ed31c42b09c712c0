package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
)

// forge rewrites s2 as an intruder with write access to the database
// would: new data for its second event, every later hash recomputed, the
// read model rebuilt. Plain verification cannot tell.
func forge(t *testing.T, e *env) {
	t.Helper()
	ev := e.events(t, "s2")
	first := slices.IndexFunc(ev, func(e eventstore.RecordedEvent) bool { return strings.Contains(string(e.Data), `"q-real"`) })
	require.Positive(t, first)
	ev[first].Data = []byte(strings.Replace(string(ev[first].Data), `"q-real"`, `"forged"`, 1))
	prev := ev[first-1].Hash
	for i := first; i < len(ev); i++ {
		ev[i].Hash = eventstore.ChainHash(prev, &ev[i])
		prev = ev[i].Hash
		e.tamper(t, `UPDATE events SET data = $1, hash = $2 WHERE position = $3`, string(ev[i].Data), ev[i].Hash, ev[i].Position)
	}
	rebuildViews(t, e)
}

func rebuildViews(t *testing.T, e *env) {
	t.Helper()
	_, err := audit.Rebuild(context.Background(), e.store, nil)
	require.NoError(t, err)
}

// Tampering by a database writer that plain verification misses is
// caught against a signed checkpoint, naming the stream.
func TestVerifySinceCatchesRewrites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, e *env)
		reason string
	}{
		{"forged chain and rebuilt views", forge, "rewritten since the checkpoint"},
		{"deleted session", func(t *testing.T, e *env) {
			e.tamper(t, `DELETE FROM events WHERE stream_id = $1`, sessionlog.StreamID("s2"))
			e.tamper(t, `DELETE FROM stream_views WHERE stream_id = $1`, sessionlog.StreamID("s2"))
		}, "deleted since the checkpoint"},
		{"truncated stream", func(t *testing.T, e *env) {
			e.tamper(t, `DELETE FROM events WHERE stream_id = $1 AND stream_version = 3`, sessionlog.StreamID("s2"))
			rebuildViews(t, e)
		}, "truncated since the checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachStore(t, func(t *testing.T, e *env) {
				ctx := context.Background()
				pub, priv, err := ed25519.GenerateKey(rand.Reader)
				require.NoError(t, err)
				for _, id := range []string{"s1", "s2", "s3"} {
					e.session(t, id, "q-real")
				}
				cp, err := audit.Checkpoint(ctx, e.store, priv)
				require.NoError(t, err)
				require.Equal(t, int64(3), cp.Streams)
				require.Equal(t, int64(9), cp.Events)

				tc.tamper(t, e)
				plain, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
				require.NoError(t, err)
				require.True(t, plain.OK(), "the intruder fooled plain verification: %+v", plain.Problems)

				r, err := audit.VerifySince(ctx, e.store, cp, pub, audit.VerifyParams{})
				require.NoError(t, err)
				require.False(t, r.OK())
				require.Equal(t, 1, r.ProblemCount, "%+v", r.Problems)
				require.Equal(t, sessionlog.StreamID("s2"), r.Problems[0].StreamID)
				require.Contains(t, r.Problems[0].Reason, tc.reason)
			})
		})
	}
}

// A log that only grew since the checkpoint extends it.
func TestVerifySinceAcceptsGrowth(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		e.session(t, "s1", "")
		_, err = e.cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "s2", AgentID: "a1", UserData: []byte(`{}`)})
		require.NoError(t, err)
		cp, err := audit.Checkpoint(ctx, e.store, priv)
		require.NoError(t, err)
		require.NoError(t, cp.Check(pub))

		// s2 grows past its checkpointed head; s3 is new.
		_, err = e.cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s2", fb.Complete{By: "a1"})
		require.NoError(t, err)
		e.session(t, "s3", "q")
		r, err := audit.VerifySince(ctx, e.store, cp, pub, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, r.OK(), "%+v", r.Problems)
		require.Equal(t, cp.ID(), r.Checkpoint.ID)
		require.Equal(t, int64(3), r.Streams)
	})
}

// A checkpoint that does not check out with the public key is refused
// before the log is read.
func TestVerifySinceRefusesBadCheckpoints(t *testing.T) {
	t.Parallel()
	e := sqliteEnv(t)
	ctx := context.Background()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	other, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	e.session(t, "s1", "")
	e.session(t, "s2", "")
	good, err := audit.Checkpoint(ctx, e.store, priv)
	require.NoError(t, err)

	for name, spoil := range map[string]func(c *audit.SignedCheckpoint) ed25519.PublicKey{
		"bad signature":  func(c *audit.SignedCheckpoint) ed25519.PublicKey { c.Signature[0] ^= 1; return pub },
		"edited field":   func(c *audit.SignedCheckpoint) ed25519.PublicKey { c.Events++; return pub },
		"dropped head":   func(c *audit.SignedCheckpoint) ed25519.PublicKey { c.Heads = c.Heads[1:]; return pub },
		"edited head":    func(c *audit.SignedCheckpoint) ed25519.PublicKey { c.Heads[0].Version = 1; return pub },
		"another's key":  func(c *audit.SignedCheckpoint) ed25519.PublicKey { return other },
		"unknown format": func(c *audit.SignedCheckpoint) ed25519.PublicKey { c.Format = "x"; return pub },
	} {
		c := *good
		c.Signature = append([]byte(nil), good.Signature...)
		c.Heads = append([]audit.Head(nil), good.Heads...)
		key := spoil(&c)
		_, err := audit.VerifySince(ctx, e.store, &c, key, audit.VerifyParams{})
		require.ErrorIs(t, err, audit.ErrBadCheckpoint, name)
	}
	_, err = audit.VerifySince(ctx, e.store, good, pub, audit.VerifyParams{})
	require.NoError(t, err)
}

// No checkpoint vouches for a log that already fails verification.
func TestCheckpointRefusesABrokenLog(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		e.session(t, "s1", "")
		ev := e.events(t, "s1")
		e.tamper(t, `UPDATE events SET metadata = $1 WHERE position = $2`, `{"actor":"mallory"}`, ev[1].Position)
		_, err = audit.Checkpoint(context.Background(), e.store, priv)
		require.ErrorIs(t, err, audit.ErrLogBroken)
		require.ErrorContains(t, err, sessionlog.StreamID("s1"))
	})
}

func sqliteEnv(t *testing.T) *env {
	b := storetest.SQLite(t, storetest.Options{ClockAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)})
	return &env{store: b.Store, cmds: commands.NewHandler(b.Store), clock: b.Clock, tamper: b.Tamper}
}

func newHandler(b *storetest.Backend) *commands.Handler { return commands.NewHandler(b.Store) }

// startSession starts a session without moving any clock.
func startSession(t *testing.T, e *env, id string) {
	t.Helper()
	_, err := e.cmds.Start(context.Background(), commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1", UserData: []byte(`{}`)})
	require.NoError(t, err)
}
