package userlog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/eventstore/sqlite"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/userlog"
	"github.com/fbsession/fbsession/users"
)

// recording is a directory on b's database that records to log.
func recording(b *storetest.Backend, log users.ChangeLog) *users.Directory {
	isUnique := sqlite.IsUniqueViolation
	if b.Name == "postgres" {
		isUnique = postgres.IsUniqueViolation
	}
	return users.NewDirectory(b.DB, bcrypt.MinCost, isUnique, users.RecordTo(log))
}

var agent = users.User{ID: "a1", UserName: "agent.one", Roles: []users.Role{users.RoleAgent}, Features: []string{}}

// Every change to a user is an event of its stream, with who made it and
// what it set, never the password or its hash; the stream is chained and
// verified like every other.
func TestDirectoryChangesAreEvents(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		d := recording(b, &userlog.Recorder{Store: b.Store})
		ctx := users.WithActor(context.Background(), "alice")
		require.NoError(t, d.Add(ctx, agent, "correct horse"))
		require.NoError(t, d.SetPassword(ctx, "a1", "battery staple"))
		require.NoError(t, d.SetDisabled(users.WithActor(ctx, "bob"), "a1", true))
		require.NoError(t, d.SetDisabled(ctx, "a1", false))
		require.NoError(t, d.SetRoles(ctx, "a1", []users.Role{users.RoleAgent, users.RoleSupervisor}))
		require.NoError(t, d.SetFeatures(ctx, "a1", []string{users.FeatureMultimedia}))
		require.ErrorIs(t, d.SetDisabled(ctx, "nobody", true), users.ErrNotFound)
		require.ErrorIs(t, d.Add(ctx, agent, "correct horse"), users.ErrAlreadyExists)

		got, err := d.Get(ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, []users.Role{users.RoleAgent, users.RoleSupervisor}, got.Roles)
		require.Equal(t, []string{users.FeatureMultimedia}, got.Features)

		history, err := audit.UserHistory(ctx, b.Store, "a1")
		require.NoError(t, err)
		var lines []string
		for _, e := range history {
			require.True(t, e.Verified, "%+v", e)
			lines = append(lines, e.Actor+" "+e.Type+": "+e.Summary)
		}
		require.Equal(t, []string{
			`alice UserAdded: added as "agent.one", roles agent, features none`,
			"alice UserPasswordSet: password set",
			"bob UserDisabled: disabled",
			"alice UserEnabled: enabled",
			"alice UserRolesSet: roles set to agent, supervisor",
			"alice UserFeaturesSet: features set to api-multimedia",
		}, lines)
		_, err = audit.UserHistory(ctx, b.Store, "nobody")
		require.ErrorIs(t, err, audit.ErrNoUserHistory)

		events, err := b.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: userlog.StreamID("a1")})
		require.NoError(t, err)
		for _, e := range events {
			for _, secret := range []string{"correct horse", "battery staple", "$2a$", "password_hash", "hash"} {
				require.NotContains(t, strings.ToLower(string(e.Data)+string(e.Metadata)), secret)
			}
		}
		// A rebuild of the read model makes no view of a user's stream.
		_, err = audit.Rebuild(ctx, b.Store, nil)
		require.NoError(t, err)
		r, err := audit.Verify(ctx, b.Store, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, r.OK(), "%+v", r.Problems)
		require.Equal(t, int64(1), r.Streams)
		require.Equal(t, int64(6), r.Events)
		require.Zero(t, r.Views)
	})
}

type failingLog struct{}

func (failingLog) Record(context.Context, users.Change) error { return errors.New("log unavailable") }

// A change that cannot be recorded is not made.
func TestNoChangeWithoutItsEvent(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		require.NoError(t, b.Users.Add(ctx, agent, "correct horse"))
		d := recording(b, failingLog{})
		require.ErrorContains(t, d.Add(ctx, users.User{ID: "a2", UserName: "agent.two", Roles: []users.Role{users.RoleAgent}}, "correct horse"), "log unavailable")
		_, err := d.Get(ctx, "a2")
		require.ErrorIs(t, err, users.ErrNotFound)
		require.Error(t, d.SetDisabled(ctx, "a1", true))
		require.Error(t, d.SetRoles(ctx, "a1", []users.Role{users.RoleSupervisor}))
		require.Error(t, d.SetFeatures(ctx, "a1", []string{users.FeatureMultimedia}))
		require.Error(t, d.SetPassword(ctx, "a1", "battery staple"))
		got, err := d.Get(ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, agent, got)
		_, err = d.Verify(ctx, "agent.one", "correct horse")
		require.NoError(t, err, "the password is the old one")
	})
}

// racingLog records a change, then lets another addition take the user's
// id before the directory makes the change.
type racingLog struct {
	users.ChangeLog
	other *users.Directory
}

func (l racingLog) Record(ctx context.Context, c users.Change) error {
	err := l.ChangeLog.Record(ctx, c)
	if c.Kind == users.ChangeAdded {
		_ = l.other.Add(ctx, users.User{ID: c.UserID, UserName: "racer", Roles: []users.Role{users.RoleAgent}}, "correct horse")
	}
	return err
}

// A change recorded but then not made (a race lost, a lost connection)
// says so: the log holds it, the directory does not.
func TestChangeRecordedButNotMade(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		d := recording(b, racingLog{ChangeLog: &userlog.Recorder{Store: b.Store}, other: b.Users})
		err := d.Add(ctx, agent, "correct horse")
		require.ErrorIs(t, err, users.ErrChangeNotMade)
		require.ErrorIs(t, err, users.ErrAlreadyExists)
		history, err := audit.UserHistory(ctx, b.Store, "a1")
		require.NoError(t, err)
		require.Len(t, history, 1)
		require.Equal(t, userlog.TypeUserAdded, history[0].Type)
	})
}
