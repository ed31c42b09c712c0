package ctl_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// users add refuses a user without a role, who could log in and do
// nothing else; with one, it adds.
func TestUsersAddNeedsARole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := run(t, dir, "correct horse\n", "users", "add", "x1", "--name", "x1", "--password-stdin")
	require.ErrorContains(t, err, "role")
	out, err := run(t, dir, "", "users", "list")
	require.NoError(t, err)
	require.NotContains(t, out, "x1")
	_, err = run(t, dir, "correct horse\n", "users", "add", "x1", "--name", "x1", "--role", "agent", "--password-stdin")
	require.NoError(t, err)
}
