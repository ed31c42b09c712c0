package notifier_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/userlog"
	"github.com/fbsession/fbsession/users"
)

// The feed holds streams that are not sessions, such as the user
// directory's changes: the notifier passes over them, publishing nothing
// for them and still everything for the sessions around them.
func TestNotifierIgnoresStreamsThatAreNotSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, newSQLiteStore(t), natstest.RunServer(t, "", 0).ClientURL())
	all := f.subscribe(f.prefix + ".>")
	f.run(f.store, f.notifier(f.js, 0))
	userChange := func(kind users.ChangeKind) {
		t.Helper()
		require.NoError(t, (&userlog.Recorder{Store: f.store}).Record(ctx, users.Change{Kind: kind, UserID: "a1", Actor: "alice",
			User: users.User{ID: "a1", UserName: "agent1", Roles: []users.Role{users.RoleAgent}}}))
	}

	userChange(users.ChangeAdded)
	f.start("s1", "a1")
	userChange(users.ChangeDisabled)
	_, err := f.cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
	require.NoError(t, err)
	userChange(users.ChangeEnabled)
	f.start("s2", "a1")

	var subjects []string
	for range 6 {
		subjects = append(subjects, strings.TrimPrefix(receive(t, all).Subject, f.prefix+"."))
	}
	require.ElementsMatch(t, []string{
		"users.a1.facebooksession.s1", "integration.facebooksession.s1",
		"users.a1.facebooksession.s1", "integration.facebooksession.s1",
		"users.a1.facebooksession.s2", "integration.facebooksession.s2",
	}, subjects)
	requireNothingMore(t, all)
	require.Len(t, f.streamMessages(6), 6)
}
