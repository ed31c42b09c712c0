package users_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/fbsession/fbsession/users"
)

// fakeClock is a settable clock.
type fakeClock struct{ ns atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}
func (c *fakeClock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) add(d time.Duration) { c.ns.Add(int64(d)) }

func throttledFor(err error) (time.Duration, bool) {
	var te *users.ThrottledError
	if !errors.As(err, &te) {
		return 0, false
	}
	return te.RetryAfter, true
}

var agentTwo = users.User{ID: "a2", UserName: "agent.two", Roles: []users.Role{users.RoleAgent}}

func TestAuthenticatorForgetsOnlyTheChangedUser(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		require.NoError(t, d.Add(ctx, agent, "correct horse"))
		require.NoError(t, d.Add(ctx, agentTwo, "correct horse"))
		clock := newClock()
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{Now: clock.now, CheckEvery: time.Second, TTL: time.Hour})
		for _, name := range []string{"agent.one", "agent.two"} {
			_, err := a.Authenticate(ctx, "10.0.0.1", name, "correct horse")
			require.NoError(t, err)
		}

		// agent.one's password changes behind the directory's back (no new
		// version): only a fresh bcrypt check would notice, so a success
		// below proves its cached credentials were kept.
		_, err := users.DB(d).ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, mustHash(t, "another password"), "a1")
		require.NoError(t, err)
		require.NoError(t, d.SetDisabled(ctx, "a2", true))
		clock.add(time.Second)

		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.two", "correct horse")
		require.ErrorIs(t, err, users.ErrBadCredentials, "the changed user's credentials are forgotten")
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err, "a change to another user keeps this one's credentials")

		// Changes keep being seen after the first.
		require.NoError(t, d.SetDisabled(ctx, "a2", false))
		clock.add(time.Second)
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.two", "correct horse")
		require.NoError(t, err)
		require.NoError(t, d.SetPassword(ctx, "a1", "battery staple"))
		clock.add(time.Second)
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.two", "correct horse")
		require.NoError(t, err)
	})
}

func mustHash(t *testing.T, password string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	return string(h)
}

func TestAuthenticatorThrottlesBeforeChecking(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		require.NoError(t, d.Add(ctx, agent, "correct horse"))
		var compares users.Compares
		users.RecordCompares(d, &compares)
		clock := newClock()
		reg := prometheus.NewRegistry()
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{Now: clock.now, Registerer: reg})
		_, err := a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err)

		// Per name, from ever new addresses: 5 free failures, then waits of
		// 1s, 2s, 4s..., refused without a bcrypt check.
		for i := range 5 {
			_, err := a.Authenticate(ctx, fmt.Sprintf("10.1.0.%d", i), "agent.one", "wrong horse")
			require.ErrorIs(t, err, users.ErrBadCredentials)
		}
		checks := len(compares.Costs())
		_, err = a.Authenticate(ctx, "10.1.1.1", "agent.one", "wrong horse")
		wait, ok := throttledFor(err)
		require.True(t, ok, "%v", err)
		require.ErrorIs(t, err, users.ErrThrottled)
		require.Equal(t, time.Second, wait)
		_, err = a.Authenticate(ctx, "10.1.1.2", "agent.one", "correct horse")
		require.NoError(t, err, "verified credentials are still served from the cache")
		require.Equal(t, checks, len(compares.Costs()), "no bcrypt check while throttled")
		clock.add(time.Second)
		_, err = a.Authenticate(ctx, "10.1.1.3", "agent.one", "wrong horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)
		_, err = a.Authenticate(ctx, "10.1.1.4", "agent.one", "wrong horse")
		wait, _ = throttledFor(err)
		require.Equal(t, 2*time.Second, wait, "the wait doubles")

		// Per address, with ever new names: 20 free failures.
		for i := range 20 {
			_, err := a.Authenticate(ctx, "10.2.0.1", fmt.Sprintf("nobody%d", i), "wrong horse")
			require.ErrorIs(t, err, users.ErrBadCredentials)
		}
		_, err = a.Authenticate(ctx, "10.2.0.1", "somebody", "wrong horse")
		require.ErrorIs(t, err, users.ErrThrottled)
		// An IPv6 client is one /64.
		for i := range 20 {
			_, err := a.Authenticate(ctx, fmt.Sprintf("2001:db8::%x", i), fmt.Sprintf("v6-%d", i), "wrong horse")
			require.ErrorIs(t, err, users.ErrBadCredentials)
		}
		_, err = a.Authenticate(ctx, "2001:db8::ffff:1", "v6-x", "wrong horse")
		require.ErrorIs(t, err, users.ErrThrottled)

		require.Equal(t, map[string]float64{"bad_password": 6, "unknown_user": 40, "throttled": 4, "disabled": 0, "busy": 0},
			failures(t, reg), "every reason is a series from the start")

		// A while without failures forgives them.
		clock.add(16 * time.Minute)
		_, err = a.Authenticate(ctx, "10.2.0.1", "agent.one", "wrong horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)
	})
}

func TestAuthenticatorKeysAreBounded(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{
			PerName:    users.BackoffConfig{Keys: 16},
			PerAddress: users.BackoffConfig{Keys: 16},
		})
		for i := range 200 {
			_, err := a.Authenticate(ctx, fmt.Sprintf("10.3.%d.%d", i/256, i%256), fmt.Sprintf("name%d", i), "wrong horse")
			require.ErrorIs(t, err, users.ErrBadCredentials)
		}
		names, addrs := users.BackoffKeys(a)
		require.LessOrEqual(t, names, 16)
		require.LessOrEqual(t, addrs, 16)
	})
}

func TestAuthenticatorBoundsConcurrentChecks(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		require.NoError(t, d.Add(ctx, agent, "correct horse"))
		require.NoError(t, d.Add(ctx, agentTwo, "correct horse"))
		compares := users.Compares{}
		users.RecordCompares(d, &compares)
		reg := prometheus.NewRegistry()
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{Checks: 1, CheckWait: 50 * time.Millisecond, Registerer: reg})
		_, err := a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err)

		hold := make(chan struct{})
		compares.Hold = hold
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.Authenticate(ctx, "10.0.0.2", "nobody", "wrong horse")
			require.ErrorIs(t, err, users.ErrBadCredentials)
		}()
		require.Eventually(t, func() bool { return len(compares.Costs()) == 2 }, 5*time.Second, time.Millisecond)
		_, err = a.Authenticate(ctx, "10.0.0.3", "agent.two", "correct horse")
		require.ErrorIs(t, err, users.ErrThrottled, "no check slot within CheckWait")
		require.Len(t, compares.Costs(), 2, "the waiting attempt ran no check")
		_, err = a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err, "cached credentials need no slot")
		require.Equal(t, 1.0, failures(t, reg)["busy"])
		close(hold)
		wg.Wait()
		_, err = a.Authenticate(ctx, "10.0.0.3", "agent.two", "correct horse")
		require.NoError(t, err)
	})
}

func TestVerifyRehashesAndUnknownNamesCostTheSame(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		const cost = bcrypt.MinCost
		require.NoError(t, users.WithCost(d, cost+1).Add(ctx, agent, "correct horse"))
		costOf := func() int {
			h, err := users.PasswordHash(ctx, d, "a1")
			require.NoError(t, err)
			c, err := bcrypt.Cost([]byte(h))
			require.NoError(t, err)
			return c
		}
		require.Equal(t, cost+1, costOf())
		v0, err := d.Version(ctx)
		require.NoError(t, err)

		var compares users.Compares
		users.RecordCompares(d, &compares)
		_, err = d.Verify(ctx, "agent.one", "wrong horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)
		require.Equal(t, cost+1, costOf(), "a wrong password changes nothing")
		_, err = d.Verify(ctx, "agent.one", "correct horse")
		require.NoError(t, err)
		require.Equal(t, cost, costOf(), "a login rehashes at the directory's cost")
		_, err = d.Verify(ctx, "agent.one", "correct horse")
		require.NoError(t, err)
		v1, err := d.Version(ctx)
		require.NoError(t, err)
		require.Equal(t, v0, v1, "the password is the same: nobody's cached credentials go")

		_, err = d.Verify(ctx, "nobody", "correct horse")
		require.ErrorIs(t, err, users.ErrBadCredentials)
		require.Equal(t, []int{cost + 1, cost + 1, cost, cost}, compares.Costs(),
			"an unknown name costs one comparison at the current cost, as a known one does")
	})
}

// failures reads fbsession_auth_failures_total by reason.
func failures(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "fbsession_auth_failures_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			require.Len(t, m.GetLabel(), 1)
			out[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	return out
}

// AuthenticateVersion tells the version of the user's row the
// credentials were verified on, from a check and from the cache alike,
// and a newer one once the user changed.
func TestAuthenticateVersion(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		require.NoError(t, d.Add(ctx, agent, "correct horse"))
		require.NoError(t, d.Add(ctx, agentTwo, "correct horse"))
		clock := newClock()
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{Now: clock.now, CheckEvery: time.Second, TTL: time.Hour})
		row := func() int64 {
			var v int64
			require.NoError(t, users.DB(d).QueryRowContext(ctx, `SELECT version FROM users WHERE id = 'a1'`).Scan(&v))
			return v
		}
		u, v, err := a.AuthenticateVersion(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err)
		require.Equal(t, "a1", u.ID)
		require.Equal(t, row(), v, "from a check")
		_, cached, err := a.AuthenticateVersion(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err)
		require.Equal(t, v, cached, "from the cache")

		require.NoError(t, d.SetRoles(ctx, "a1", []users.Role{users.RoleSupervisor}))
		clock.add(time.Second)
		_, changed, err := a.AuthenticateVersion(ctx, "10.0.0.1", "agent.one", "correct horse")
		require.NoError(t, err)
		require.Equal(t, row(), changed)
		require.Greater(t, changed, v)
	})
}
