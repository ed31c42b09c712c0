package ctl_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/agentlog"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/sqlite"
)

// users set --capacity records an agent's capacity in the agent's
// stream, with the actor; history --agent shows it; the same value again
// records nothing.
func TestUsersSetCapacity(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := run(t, dir, "correct horse\n", "users", "add", "a1", "--name", "agent1", "--role", "agent", "--password-stdin")
	require.NoError(t, err)

	out, err := run(t, dir, "", "users", "set", "a1", "--capacity", "2", "--feature", "api-multimedia", "--actor", "alice")
	require.NoError(t, err)
	require.Equal(t, "user a1 set: features api-multimedia; facebooksession capacity 2\n", out)
	out, err = run(t, dir, "", "users", "set", "a1", "--capacity", "2", "--actor", "alice")
	require.NoError(t, err)
	require.Equal(t, "user a1 set: facebooksession capacity 2 (already)\n", out)
	_, err = run(t, dir, "", "users", "set", "a1", "--capacity", "0", "--actor", "bob")
	require.NoError(t, err)

	out, err = run(t, dir, "", "history", "--agent", "a1")
	require.NoError(t, err)
	t.Logf("fbsessionctl history --agent a1:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, "a header and two changes")
	require.Contains(t, lines[1], "ChannelCapacitySet  alice")
	require.Contains(t, lines[1], "facebooksession capacity set to 2")
	// Each run takes one referenceId, not a block it leaves unused.
	require.Regexp(t, `ChannelCapacitySet  alice\s+1\s`, lines[1])
	require.Regexp(t, `ChannelCapacitySet  bob\s+2\s`, lines[2])
	require.Contains(t, lines[2], "facebooksession capacity set to 0")
	require.Contains(t, lines[2], " ok ")

	out, err = run(t, dir, "", "verify")
	require.NoError(t, err, out)
}

// Every value is checked before anything is set: a bad capacity, a bad
// role, a user who is not there or is no agent leave the directory and
// the log as they were.
func TestUsersSetCapacityRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"users", "add", "a1", "--name", "agent1", "--role", "agent", "--password-stdin"},
		{"users", "add", "s1", "--name", "sup1", "--role", "supervisor", "--password-stdin"},
	} {
		_, err := run(t, dir, "correct horse\n", args...)
		require.NoError(t, err, "%v", args)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"a1", "--capacity", "-1", "--role", "supervisor"}, "capacity must be 0-100, not -1"},
		{[]string{"a1", "--capacity", "101"}, "capacity must be 0-100, not 101"},
		{[]string{"a1", "--capacity", "2", "--role", "dancer"}, "dancer"},
		{[]string{"a1", "--capacity", "2", "--role", "supervisor"}, "not an agent"},
		{[]string{"s1", "--capacity", "2", "--feature", "api-multimedia"}, "not an agent"},
		{[]string{"nobody", "--capacity", "2"}, "nobody"},
	} {
		_, err := run(t, dir, "", append([]string{"users", "set"}, tc.args...)...)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
	}
	out, err := run(t, dir, "", "users", "list")
	require.NoError(t, err)
	require.Regexp(t, `a1\s+agent1\s+agent\s+enabled`, out, "a1 kept its role")
	require.Regexp(t, `s1\s+sup1\s+supervisor\s+enabled`, out, "s1 has no feature")
	withStore(t, dir, func(s *sqlite.Store) {
		for _, id := range []string{"a1", "s1", "nobody"} {
			_, err := s.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: agentlog.StreamID(id)})
			require.ErrorIs(t, err, eventstore.ErrNotFound, id)
		}
	})

	// With the agent role given, a supervisor becomes an agent with a
	// capacity in one command.
	out, err = run(t, dir, "", "users", "set", "s1", "--role", "agent", "--capacity", "4")
	require.NoError(t, err)
	require.Equal(t, "user s1 set: roles agent; facebooksession capacity 4\n", out)
}
