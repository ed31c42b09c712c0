package ctl_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/seedfixtures"
)

// A disabled agent could take no session: those offered to them, or in
// their hands, go back to wait for routing, and the routing side can offer
// them to someone else.
func TestDisablingAnAgentWithdrawsTheirSessions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, id := range []string{"a1", "a2"} {
		_, err := run(t, dir, "correct horse\n", "users", "add", id, "--name", "agent-"+id, "--role", "agent", "--feature", "api-multimedia", "--password-stdin")
		require.NoError(t, err)
	}
	_, err := run(t, dir, "", "sessions", "create", "--file", seedfixtures.ChattingIntakeSeedFile(t), "--as", "router")
	require.NoError(t, err)

	out, err := run(t, dir, "", "users", "disable", "a1", "--as", "admin")
	require.NoError(t, err)
	require.Contains(t, out, "user a1 disabled\n")
	require.Contains(t, out, "session 0002DaAVKJ0V0095 taken back to wait for routing\n")

	out, err = run(t, dir, "", "sessions", "get", "0002DaAVKJ0V0095")
	require.NoError(t, err)
	require.Contains(t, out, `"state": "Completed"`)
	out, err = run(t, dir, "", "history", "0002DaAVKJ0V0095")
	require.NoError(t, err)
	require.Contains(t, out, "SessionWithdrawn")
	require.Contains(t, out, "admin")
	require.Contains(t, out, "taken back from a1 to wait for routing")

	out, err = run(t, dir, "", "users", "disable", "a1")
	require.NoError(t, err)
	require.NotContains(t, out, "taken back", "nothing left to take back")
	out, err = run(t, dir, "", "verify")
	require.NoError(t, err)
	require.Contains(t, out, "OK")
}
