package ctl_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// What fbsessionctl users changes, the log records, with the actor:
// history --user shows it, verify checks its chain, a checkpoint signs it.
func TestUserChangesInHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"users", "add", "a1", "--name", "agent1", "--role", "agent", "--password-stdin", "--actor", "alice"},
		{"users", "passwd", "a1", "--password-stdin", "--actor", "alice"},
		{"users", "disable", "a1", "--actor", "bob"},
		{"users", "enable", "a1", "--actor", "bob"},
		{"users", "set", "a1", "--role", "agent", "--role", "supervisor", "--feature", "api-multimedia", "--actor", "carol"},
	} {
		_, err := run(t, dir, "correct horse\n", args...)
		require.NoError(t, err, "%v", args)
	}
	_, err := run(t, dir, "", "users", "set", "a1")
	require.ErrorContains(t, err, "give --role, --feature, --capacity, or several")
	// A bad feature with good roles changes neither: no event either.
	_, err = run(t, dir, "", "users", "set", "a1", "--role", "agent", "--feature", "api-dance")
	require.Error(t, err)

	out, err := run(t, dir, "", "history", "--user", "a1")
	require.NoError(t, err)
	t.Logf("fbsessionctl history --user a1:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 7)
	for i, want := range []string{
		`UserAdded        alice`, "UserPasswordSet  alice", "UserDisabled     bob", "UserEnabled      bob",
		"UserRolesSet     carol", "UserFeaturesSet  carol",
	} {
		require.Contains(t, lines[i+1], want)
		require.Contains(t, lines[i+1], " ok ")
	}
	require.Contains(t, lines[1], `added as "agent1", roles agent, features none`)
	require.Contains(t, lines[5], "roles set to agent, supervisor")
	require.NotContains(t, out, "correct horse")

	out, err = run(t, dir, "", "verify")
	require.NoError(t, err, out)
	require.Contains(t, out, "streams 1, events 6")

	keyFile := filepath.Join(t.TempDir(), "checkpoint.key")
	_, err = run(t, dir, "", "checkpoint", "keygen", "--key", keyFile)
	require.NoError(t, err)
	out, err = run(t, dir, "", "checkpoint", "create", "--key", keyFile, "--out", filepath.Join(t.TempDir(), "cp.json"))
	require.NoError(t, err)
	require.Contains(t, out, "1 streams, 6 events")
}
