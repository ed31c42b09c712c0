package ctl_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/internal/seedfixtures"
)

// run runs fbsessionctl in-process on the embedded store in dir.
func run(t *testing.T, dir, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &ctl.CLI{Out: &out, Err: &errOut, In: strings.NewReader(stdin)}
	cmd := c.Command()
	cmd.SetArgs(append(args, "--data-dir", dir, "--database-url", "", "--bcrypt-cost", "4", "--log-level", "error"))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestAuditCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := run(t, dir, "correct horse\n", "users", "add", "a1", "--name", "agent1", "--role", "agent", "--feature", "api-multimedia", "--password-stdin")
	require.NoError(t, err)
	_, err = run(t, dir, "", "sessions", "create", "--file", seedfixtures.ChattingIntakeSeedFile(t), "--as", "router")
	require.NoError(t, err)

	out, err := run(t, dir, "", "history", "0002DaAVKJ0V0095")
	require.NoError(t, err)
	require.Contains(t, out, "SessionStarted")
	require.Contains(t, out, "router")
	require.Contains(t, out, " ok ")

	out, err = run(t, dir, "", "state", "0002DaAVKJ0V0095", "--version", "1")
	require.NoError(t, err)
	require.Contains(t, out, `"state": "Chatting"`)

	out, err = run(t, dir, "", "verify", "--heads")
	require.NoError(t, err)
	require.Contains(t, out, "OK: every hash chain verifies")
	require.Contains(t, out, "head facebooksession-0002DaAVKJ0V0095 v1 ")

	out, err = run(t, dir, "", "export")
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(out, "\n"), "the user's addition and the session's start")
	require.Contains(t, out, `"type":"UserAdded"`)
	require.Contains(t, out, `"type":"SessionStarted"`)

	// Tamper with the file as an intruder would.
	db, err := sql.Open("sqlite", filepath.Join(dir, "events.db"))
	require.NoError(t, err)
	_, err = db.Exec(`DROP TRIGGER events_no_update`)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE events SET data = replace(data, 'Iamcrazyaboutmytest', 'edited') WHERE position = 2`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	out, err = run(t, dir, "", "verify")
	require.ErrorIs(t, err, ctl.ErrVerifyFailed)
	require.ErrorContains(t, err, "first bad position 2")
	require.Contains(t, out, "FAILED")
	out, err = run(t, dir, "", "history", "0002DaAVKJ0V0095")
	require.NoError(t, err)
	require.Contains(t, out, "BROKEN")
}
