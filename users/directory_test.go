package users_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/users"
)

// forEachDatabase runs f on a fresh directory on each store's database.
func forEachDatabase(t *testing.T, f func(t *testing.T, d *users.Directory)) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) { f(t, b.Users) })
}

var agent = users.User{ID: "a1", UserName: "agent.one", Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}}

func TestDirectory(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		require.NoError(t, d.Add(ctx, agent, "correct horse"))
		require.ErrorIs(t, d.Add(ctx, agent, "correct horse"), users.ErrAlreadyExists)
		other := agent
		other.ID = "a2"
		require.ErrorIs(t, d.Add(ctx, other, "correct horse"), users.ErrAlreadyExists, "user names are unique")
		require.ErrorIs(t, d.Add(ctx, users.User{ID: "a b", UserName: "x"}, "correct horse"), users.ErrInvalid)
		require.ErrorIs(t, d.Add(ctx, users.User{ID: "x", UserName: "x:y"}, "correct horse"), users.ErrInvalid)
		require.ErrorIs(t, d.Add(ctx, users.User{ID: "x", UserName: "x", Roles: []users.Role{"root"}}, "correct horse"), users.ErrInvalid)
		require.ErrorIs(t, d.Add(ctx, users.User{ID: "x", UserName: "x", Roles: []users.Role{users.RoleAgent}}, "short"), users.ErrInvalid)
		require.ErrorIs(t, d.Add(ctx, users.User{ID: "x", UserName: "x"}, "correct horse"), users.ErrInvalid, "a user needs a role")

		got, err := d.Get(ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, agent, got)
		_, err = d.Get(ctx, "nobody")
		require.ErrorIs(t, err, users.ErrNotFound)

		u, err := d.Verify(ctx, "agent.one", "correct horse")
		require.NoError(t, err)
		require.Equal(t, agent, u)
		for _, c := range [][2]string{{"agent.one", "wrong horse"}, {"nobody", "correct horse"}} {
			_, err = d.Verify(ctx, c[0], c[1])
			require.ErrorIs(t, err, users.ErrBadCredentials)
		}

		v0, err := d.Version(ctx)
		require.NoError(t, err)
		require.NoError(t, d.SetPassword(ctx, "a1", "battery staple"))
		_, err = d.Verify(ctx, "agent.one", "correct horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)
		_, err = d.Verify(ctx, "agent.one", "battery staple")
		require.NoError(t, err)

		require.NoError(t, d.SetDisabled(ctx, "a1", true))
		_, err = d.Verify(ctx, "agent.one", "battery staple")
		require.ErrorIs(t, err, users.ErrBadCredentials, "a disabled user cannot log in")
		v1, err := d.Version(ctx)
		require.NoError(t, err)
		require.Greater(t, v1, v0)
		require.ErrorIs(t, d.SetDisabled(ctx, "nobody", true), users.ErrNotFound)

		list, err := d.List(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.True(t, list[0].Disabled)
	})
}

func TestAuthenticatorCachesAndForgetsOnChange(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		require.NoError(t, d.Add(ctx, agent, "correct horse"))
		var now atomic.Int64
		now.Store(time.Now().UnixNano())
		clock := func() time.Time { return time.Unix(0, now.Load()) }
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{Now: clock, CheckEvery: time.Second, TTL: time.Minute})

		u, err := a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err)
		require.Equal(t, "a1", u.ID)
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.one", "wrong horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)

		// Concurrent logins with the same credentials all succeed.
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
				require.NoError(t, err)
			}()
		}
		wg.Wait()

		require.NoError(t, d.SetDisabled(ctx, "a1", true))
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err, "within CheckEvery the cache still answers")
		now.Add(int64(time.Second))
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.ErrorIs(t, err, users.ErrBadCredentials, "a change to the user drops its credentials")

		require.NoError(t, d.SetDisabled(ctx, "a1", false))
		now.Add(int64(time.Second))
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err)
		now.Add(int64(2 * time.Minute))
		require.NoError(t, d.SetPassword(ctx, "a1", "battery staple"))
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)
	})
}

// An unknown name is compared against a hash at the highest cost stored,
// not only the configured one: a user the owner hashed at a higher cost,
// which the service may not rehash, would otherwise answer in several
// times an unknown name's time.
func TestUnknownNameCostsTheHighestStoredCost(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		const cost = bcrypt.MinCost
		require.NoError(t, users.WithCost(d, cost+3).Add(ctx, agent, "correct horse"))
		other := users.User{ID: "a2", UserName: "agent.two", Roles: []users.Role{users.RoleAgent}}
		require.NoError(t, d.Add(ctx, other, "correct horse"))

		var compares users.Compares
		users.RecordCompares(d, &compares)
		_, err := d.Verify(ctx, "nobody", "correct horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)
		_, err = d.Verify(ctx, "agent.one", "wrong horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)
		require.Equal(t, []int{cost + 3, cost + 3}, compares.Costs(),
			"an unknown name costs what the slowest stored user does")
	})
}

// ListAgents lists the agents alone, by name, bounded.
func TestListAgents(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		for _, u := range []users.User{
			{ID: "z", UserName: "zed", Roles: []users.Role{users.RoleAgent}},
			{ID: "s", UserName: "sue", Roles: []users.Role{users.RoleSupervisor, users.RoleAgent}, Disabled: true},
			{ID: "B", UserName: "Bob", Roles: []users.Role{users.RoleAgent}},
			{ID: "i", UserName: "agent-ish", Roles: []users.Role{users.RoleIntegration}},
			{ID: "v", UserName: "victor", Roles: []users.Role{users.RoleSupervisor}},
		} {
			require.NoError(t, d.Add(ctx, u, "correct horse"))
		}
		names := func(list []users.User) []string {
			out := make([]string, len(list))
			for i, u := range list {
				out[i] = u.UserName
			}
			return out
		}
		list, more, err := d.ListAgents(ctx, 10)
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{"Bob", "sue", "zed"}, names(list))
		require.True(t, list[1].Disabled)
		require.Equal(t, []users.Role{users.RoleSupervisor, users.RoleAgent}, list[1].Roles)
		list, more, err = d.ListAgents(ctx, 3)
		require.NoError(t, err)
		require.False(t, more)
		require.Len(t, list, 3)
		list, more, err = d.ListAgents(ctx, 2)
		require.NoError(t, err)
		require.True(t, more)
		require.Len(t, list, 2)
		_, _, err = d.ListAgents(ctx, 0)
		require.Error(t, err)
	})
}
