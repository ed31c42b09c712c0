package ctl_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/sqlite"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/sessionlog"
)

// withStore runs f on the embedded store in dir, closed after.
func withStore(t *testing.T, dir string, f func(s *sqlite.Store)) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "events.db"), sqlite.Config{})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Migrate(context.Background())
	require.NoError(t, err)
	f(s)
}

// session starts a session and completes it to queue q: three events.
func session(t *testing.T, dir, id, q string) {
	t.Helper()
	withStore(t, dir, func(s *sqlite.Store) {
		ctx := context.Background()
		h := commands.NewHandler(s)
		_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1", UserData: []byte(`{}`)})
		require.NoError(t, err)
		_, err = h.Operate(ctx, commands.Request{Actor: "a1"}, id, fb.Complete{By: "a1", QueueName: &q})
		require.NoError(t, err)
	})
}

// forgeQueue rewrites the queue a session was sent to and recomputes its
// chain, as an intruder with the database file would.
func forgeQueue(t *testing.T, dir, id, from, to string) {
	t.Helper()
	var events []eventstore.RecordedEvent
	withStore(t, dir, func(s *sqlite.Store) {
		var err error
		events, err = s.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
		require.NoError(t, err)
	})
	db, err := sql.Open("sqlite", filepath.Join(dir, "events.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`DROP TRIGGER events_no_update`)
	require.NoError(t, err)
	var prev []byte
	forged := false
	for i := range events {
		e := &events[i]
		if strings.Contains(string(e.Data), `"`+from+`"`) {
			e.Data, forged = []byte(strings.Replace(string(e.Data), `"`+from+`"`, `"`+to+`"`, 1)), true
		}
		e.Hash = eventstore.ChainHash(prev, e)
		prev = e.Hash
		_, err = db.Exec(`UPDATE events SET data = ?, hash = ? WHERE position = ?`, string(e.Data), e.Hash, e.Position)
		require.NoError(t, err)
	}
	require.True(t, forged)
}

func TestCheckpointCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "checkpoint.key")
	nats := []string{"--nats-url", natstest.RunServer(t, "", 0).ClientURL(), "--subject-prefix", natstest.Unique("cp")}

	out, err := run(t, dir, "", "checkpoint", "keygen", "--key", keyFile)
	require.NoError(t, err)
	require.Contains(t, out, "key id ")
	info, err := os.Stat(keyFile)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	_, err = run(t, dir, "", "checkpoint", "keygen", "--key", keyFile)
	require.Error(t, err, "an existing key is never overwritten")
	pubFile := keyFile + ".pub"
	out, err = run(t, dir, "", "checkpoint", "public-key", "--key", keyFile)
	require.NoError(t, err)
	pubPEM, err := os.ReadFile(pubFile)
	require.NoError(t, err)
	require.Equal(t, string(pubPEM), out)

	session(t, dir, "s1", "q-real")
	session(t, dir, "s2", "q-real")
	cpFile := filepath.Join(t.TempDir(), "cp.json")
	out, err = run(t, dir, "", append([]string{"checkpoint", "create", "--key", keyFile, "--publish", "--out", cpFile}, nats...)...)
	require.NoError(t, err)
	require.Contains(t, out, "2 streams, 6 events")
	session(t, dir, "s3", "q")

	// The log grew: it extends the checkpoint, from the file and from JetStream.
	for _, since := range []string{cpFile, "latest"} {
		out, err = run(t, dir, "", append([]string{"verify", "--since-checkpoint", since, "--public-key", pubFile}, nats...)...)
		require.NoError(t, err, out)
		require.Contains(t, out, "OK: the log extends the signed checkpoint")
	}

	// An intruder rewrites s2 and its chain, and rebuilds the read model.
	forgeQueue(t, dir, "s2", "q-real", "q-forged")
	_, err = run(t, dir, "", "rebuild")
	require.NoError(t, err)
	out, err = run(t, dir, "", "verify")
	require.NoError(t, err, "plain verification is fooled")
	require.Contains(t, out, "OK: every hash chain verifies")
	for _, since := range []string{cpFile, "latest"} {
		out, err = run(t, dir, "", append([]string{"verify", "--since-checkpoint", since, "--public-key", pubFile}, nats...)...)
		require.ErrorIs(t, err, ctl.ErrVerifyFailed)
		require.ErrorContains(t, err, "facebooksession-s2")
		require.Contains(t, out, "rewritten since the checkpoint")
		t.Logf("fbsessionctl verify --since-checkpoint %s:\n%s%v", since, out, err)
	}

	// A checkpoint file with a bad signature is refused.
	var cp audit.SignedCheckpoint
	data, err := os.ReadFile(cpFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &cp))
	cp.Signature[0] ^= 1
	data, err = json.Marshal(&cp)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cpFile, data, 0o644))
	_, err = run(t, dir, "", "verify", "--since-checkpoint", cpFile, "--public-key", pubFile)
	require.ErrorIs(t, err, audit.ErrBadCheckpoint)
}

// A queue name holding a right-to-left override (the API refuses them
// now; older events may hold them) does not reverse a line of history,
// nor of its JSON.
func TestOutputEscapesControls(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	session(t, dir, "s1", "q-real")
	forgeQueue(t, dir, "s1", "q-real", "sales\u202etxet desrever")
	for _, args := range [][]string{{"history", "s1"}, {"history", "s1", "--json"}} {
		out, err := run(t, dir, "", args...)
		require.NoError(t, err)
		require.NotContains(t, out, "\u202e", "%v", args)
		require.Contains(t, out, `sales\u202etxet desrever`, "%v", args)
	}
}
