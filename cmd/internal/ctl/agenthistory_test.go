package ctl_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/agentlog"
	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/sqlite"
)

// An agent's channel changes are a stream of the log like any other:
// history --agent shows them with who made them, verify and checkpoints
// cover their chain, and a rebuild makes no session view of them.
func TestAgentChannelsInHistoryAndVerify(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	withStore(t, dir, func(s *sqlite.Store) {
		ctx := context.Background()
		h := commands.NewAgentHandler(s)
		a1 := as.Sender{Agent: "a1", By: "a1"}
		for _, cmd := range []as.Command{
			as.StartSession{Sender: a1, Channels: []string{"facebooksession"}},
			as.SetReady{Sender: as.Sender{Agent: "a1", By: "boss", Supervisor: true}, Channel: "facebooksession"},
			as.SetNotReady{Sender: a1, Channel: "facebooksession", ReasonCode: "Lunch"},
			as.EndSession{Sender: a1},
		} {
			_, err := h.Execute(ctx, commands.Request{Actor: cmd.From().By}, cmd)
			require.NoError(t, err)
		}
	})
	session(t, dir, "s1", "Q")

	out, err := run(t, dir, "", "history", "--agent", "a1")
	require.NoError(t, err)
	t.Logf("fbsessionctl history --agent a1:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 5)
	for i, want := range []string{
		"ContactCenterSessionStarted  a1", "ChannelReady                 boss",
		"ChannelNotReady              a1", "ContactCenterSessionEnded    a1",
	} {
		require.Contains(t, lines[i+1], want)
		require.Contains(t, lines[i+1], " ok ")
	}
	require.Contains(t, lines[1], "session started on facebooksession: NotReady")
	require.Contains(t, lines[3], "facebooksession NotReady, reason Lunch")
	_, err = run(t, dir, "", "history", "--agent", "nobody")
	require.ErrorContains(t, err, "no recorded channel changes of the agent")
	_, err = run(t, dir, "", "history", "--agent", "--user", "a1")
	require.ErrorContains(t, err, "not both")

	out, err = run(t, dir, "", "verify")
	require.NoError(t, err, out)
	require.Contains(t, out, "streams 2, events 7")
	out, err = run(t, dir, "", "rebuild")
	require.NoError(t, err, out)
	withStore(t, dir, func(s *sqlite.Store) {
		_, err := s.View(context.Background(), &eventstore.ViewParams{StreamID: agentlog.StreamID("a1")})
		require.ErrorIs(t, err, eventstore.ErrNotFound)
	})
	out, err = run(t, dir, "", "verify")
	require.NoError(t, err, out)

	keyFile := filepath.Join(t.TempDir(), "checkpoint.key")
	_, err = run(t, dir, "", "checkpoint", "keygen", "--key", keyFile)
	require.NoError(t, err)
	out, err = run(t, dir, "", "checkpoint", "create", "--key", keyFile, "--out", filepath.Join(t.TempDir(), "cp.json"))
	require.NoError(t, err)
	require.Contains(t, out, "2 streams, 7 events")
}
