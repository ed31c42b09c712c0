package ctl_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/cmd/internal/version"
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

// --version prints the build.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	out, err := runNoFlags(t, "--version")
	require.NoError(t, err)
	require.Equal(t, "fbsessionctl version "+version.String()+"\n", out)
}

// runNoFlags runs fbsessionctl with args alone.
func runNoFlags(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &ctl.CLI{Out: &out, Err: &errOut, In: strings.NewReader("")}
	cmd := c.Command()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}
