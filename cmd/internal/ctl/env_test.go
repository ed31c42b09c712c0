package ctl_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/ctl"
)

// A command refuses a bad environment value of a setting it uses, naming
// the variable, before doing anything; the flag replaces it. Not parallel:
// it sets the environment.
func TestBadEnvironmentValueStopsACommand(t *testing.T) {
	t.Setenv("FBSESSION_BCRYPT_COST", "ten")
	run := func(args ...string) error {
		var out bytes.Buffer
		c := &ctl.CLI{Out: &out, Err: &out, In: strings.NewReader("")}
		cmd := c.Command()
		cmd.SetArgs(args)
		return cmd.Execute()
	}
	dir := t.TempDir()
	err := run("users", "list", "--data-dir", dir)
	require.ErrorContains(t, err, "FBSESSION_BCRYPT_COST")
	require.ErrorContains(t, err, `"ten"`)
	require.NoError(t, run("users", "list", "--data-dir", dir, "--bcrypt-cost", "4"))
}
