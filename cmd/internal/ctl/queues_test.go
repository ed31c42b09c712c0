package ctl_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The queue commands on the embedded store: each change recorded with its
// actor, refusals change nothing, and the log stays verifiable.
func TestQueuesCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, u := range [][]string{
		{"a1", "--role", "agent"}, {"a2", "--role", "agent"}, {"boss", "--role", "supervisor"},
	} {
		_, err := run(t, dir, "correct horse\n", append([]string{"users", "add", u[0], "--name", u[0], "--password-stdin"}, u[1:]...)...)
		require.NoError(t, err)
	}
	out, err := run(t, dir, "", "queues", "add", "Sales", "--actor", "alice")
	require.NoError(t, err)
	require.Equal(t, "queue Sales added, id 1\n", out)
	out, err = run(t, dir, "", "queues", "add", "Post Processing", "--offer-timeout", "1m", "--no-answer-not-ready=false", "--actor", "alice")
	require.NoError(t, err)
	require.Equal(t, "queue Post Processing added, id 2\n", out)

	for _, bad := range [][]string{
		{"queues", "add", "Sales"},
		{"queues", "add", "Bad/Name"},
		{"queues", "add", "Q", "--offer-timeout", "1.5s"},
		{"queues", "add", "Q", "--offer-timeout", "2h"},
		{"queues", "set", "Sales"},
		{"queues", "set", "Nope", "--offer-timeout", "5s"},
		{"queues", "members", "add", "Sales", "a1", "boss"},
		{"queues", "members", "add", "Sales", "a1", "ghost"},
		{"queues", "members", "add", "Nope", "a1"},
		{"queues", "remove", "Nope"},
	} {
		_, err := run(t, dir, "", bad...)
		require.Error(t, err, strings.Join(bad, " "))
	}
	_, err = run(t, dir, "", "queues", "members", "add", "Sales", "a1", "boss")
	require.ErrorContains(t, err, "boss has not the agent role")

	out, err = run(t, dir, "", "queues", "members", "add", "1", "a1", "a2", "--actor", "bob")
	require.NoError(t, err)
	require.Equal(t, "queue Sales members added: offer timeout 30s, 2 members\n", out)
	out, err = run(t, dir, "", "queues", "members", "add", "Sales", "a2")
	require.NoError(t, err)
	require.Contains(t, out, "unchanged")
	out, err = run(t, dir, "", "queues", "members", "remove", "Sales", "a2", "ghost")
	require.NoError(t, err)
	require.Contains(t, out, "1 members")
	out, err = run(t, dir, "", "queues", "set", "Sales", "--offer-timeout", "45s")
	require.NoError(t, err)
	require.Equal(t, "queue Sales set: offer timeout 45s, 1 members\n", out)

	out, err = run(t, dir, "", "queues", "list")
	require.NoError(t, err)
	t.Logf("fbsessionctl queues list:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.Regexp(t, `^ID\s+NAME\s+OFFER TIMEOUT\s+NO ANSWER\s+MEMBERS$`, lines[0])
	require.Regexp(t, `^2\s+Post Processing\s+1m0s\s+stays Ready\s+0$`, lines[1])
	require.Regexp(t, `^1\s+Sales\s+45s\s+NotReady\s+1$`, lines[2])
	out, err = run(t, dir, "", "queues", "list", "--json")
	require.NoError(t, err)
	require.Contains(t, out, `"a1"`)

	out, err = run(t, dir, "", "history", "--queue", "Sales")
	require.NoError(t, err)
	t.Logf("fbsessionctl history --queue Sales:\n%s", out)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 5, "added, members added, members removed, set: the refusals and the no-op left nothing")
	require.Contains(t, lines[1], "QueueAdded")
	require.Contains(t, lines[1], "alice")
	require.Contains(t, lines[2], "members added: a1, a2")
	require.Contains(t, lines[2], "bob")
	require.Contains(t, lines[3], "members removed: a2")
	require.Contains(t, lines[4], "set offer timeout 45s")
	_, err = run(t, dir, "", "history", "--queue", "--agent", "Sales")
	require.ErrorContains(t, err, "not both")

	out, err = run(t, dir, "", "queues", "remove", "Sales")
	require.NoError(t, err)
	require.Equal(t, "queue Sales removed\n", out)
	out, err = run(t, dir, "", "queues", "add", "Sales")
	require.NoError(t, err)
	require.Equal(t, "queue Sales added, id 3\n", out, "a new queue, a new id")

	out, err = run(t, dir, "", "verify")
	require.NoError(t, err, out)
	out, err = run(t, dir, "", "rebuild")
	require.NoError(t, err, out)
	out, err = run(t, dir, "", "queues", "list")
	require.NoError(t, err)
	require.Regexp(t, `\n3\s+Sales\s+30s\s+NotReady\s+0\n`, out, "the views rebuilt from the log")
	out, err = run(t, dir, "", "verify")
	require.NoError(t, err, out)
}
