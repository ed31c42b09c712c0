package users_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/users"
)

// Only failures take a place in the throttle's table, and a name locked
// out keeps its place however many other names are tried, failing or not.
func TestAuthenticatorKeepsLockoutsWhileOthersTry(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		require.NoError(t, d.Add(ctx, agent, "correct horse"))
		require.NoError(t, d.Add(ctx, agentTwo, "correct horse"))
		clock := newClock()
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{
			Now: clock.now, PerName: users.BackoffConfig{Keys: 4}, PerAddress: users.BackoffConfig{Keys: 4},
		})
		_, err := a.Authenticate(ctx, "10.0.0.1", "agent.two", "correct horse")
		require.NoError(t, err)
		names, addrs := users.BackoffKeys(a)
		require.Equal(t, 0, names+addrs, "a success takes no place")

		for i := range 5 {
			_, err := a.Authenticate(ctx, fmt.Sprintf("10.1.0.%d", i), "agent.one", "wrong horse")
			require.ErrorIs(t, err, users.ErrBadCredentials)
		}
		_, err = a.Authenticate(ctx, "10.1.1.1", "agent.one", "wrong horse")
		require.ErrorIs(t, err, users.ErrThrottled)

		// Ten times the table's size of other names, each failing once from
		// its own address, as a botnet keeping within the free failures.
		for i := range 40 {
			_, err := a.Authenticate(ctx, fmt.Sprintf("10.4.%d.1", i), fmt.Sprintf("name%d", i), "wrong horse")
			require.ErrorIs(t, err, users.ErrBadCredentials)
		}
		_, err = a.Authenticate(ctx, "10.6.0.1", "agent.one", "wrong horse")
		require.ErrorIs(t, err, users.ErrThrottled, "the lockout outlives the other names")
		names, addrs = users.BackoffKeys(a)
		require.LessOrEqual(t, names, 4+1, "4 failing names and the one locked out")
		require.LessOrEqual(t, addrs, 4)
	})
}

// When the lockouts fill the table, an attempt that could lock out one
// more name is refused before any check, rather than forgetting a
// lockout; clean names go on, and room returns as lockouts expire.
func TestAuthenticatorRefusesNearLockoutWhenLockoutsFillTheTable(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		require.NoError(t, d.Add(ctx, agentTwo, "correct horse"))
		var compares users.Compares
		users.RecordCompares(d, &compares)
		clock := newClock()
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{Now: clock.now, PerName: users.BackoffConfig{Keys: 2, Free: 2}})
		addr := 0
		try := func(name, password string) error {
			addr++
			_, err := a.Authenticate(ctx, fmt.Sprintf("10.7.0.%d", addr), name, password)
			return err
		}
		for _, name := range []string{"x1", "x2"} {
			require.ErrorIs(t, try(name, "wrong horse"), users.ErrBadCredentials)
			require.ErrorIs(t, try(name, "wrong horse"), users.ErrBadCredentials)
			require.ErrorIs(t, try(name, "wrong horse"), users.ErrThrottled, name)
		}

		require.ErrorIs(t, try("x3", "wrong horse"), users.ErrBadCredentials, "one failure locks nothing out")
		checks := len(compares.Costs())
		require.ErrorIs(t, try("x3", "wrong horse"), users.ErrThrottled, "a second would, with no room left")
		require.Len(t, compares.Costs(), checks, "refused before any check")
		require.NoError(t, try("agent.two", "correct horse"), "a name with no failures goes on")
		require.ErrorIs(t, try("x1", "wrong horse"), users.ErrThrottled, "no lockout was forgotten")

		// Expired lockouts make room, and keep their failures: x1's next
		// one locks it out for twice as long.
		clock.add(time.Second)
		require.ErrorIs(t, try("x1", "wrong horse"), users.ErrBadCredentials)
		wait, ok := throttledFor(try("x1", "wrong horse"))
		require.True(t, ok)
		require.Equal(t, 2*time.Second, wait)
		require.ErrorIs(t, try("x3", "wrong horse"), users.ErrBadCredentials)
	})
}

// A check shared by concurrent attempts runs on none of their contexts:
// the first caller giving up fails only itself.
func TestAuthenticatorSharedCheckOutlivesFirstCaller(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		require.NoError(t, d.Add(ctx, agent, "correct horse"))
		var compares users.Compares
		users.RecordCompares(d, &compares)
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{Checks: 1, CheckWait: time.Minute})
		joined := make(chan struct{}, 3)
		users.OnJoin(a, func() { joined <- struct{}{} })
		hold := make(chan struct{})
		compares.Hold = hold

		// Another attempt holds the only check slot, so that the shared
		// check waits for it on the first caller's behalf.
		other := make(chan error, 1)
		go func() {
			_, err := a.Authenticate(ctx, "10.0.0.9", "nobody", "wrong horse")
			other <- err
		}()
		<-joined
		require.Eventually(t, func() bool { return len(compares.Costs()) == 1 }, 10*time.Second, time.Millisecond)

		first, cancel := context.WithCancel(ctx)
		firstErr, secondErr := make(chan error, 1), make(chan error, 1)
		go func() {
			_, err := a.Authenticate(first, "10.0.0.1", "agent.one", "correct horse")
			firstErr <- err
		}()
		<-joined
		go func() {
			_, err := a.Authenticate(ctx, "10.0.0.1", "agent.one", "correct horse")
			secondErr <- err
		}()
		<-joined

		cancel()
		require.ErrorIs(t, <-firstErr, context.Canceled, "the first caller's own wait ends")
		close(hold)
		require.ErrorIs(t, <-other, users.ErrBadCredentials)
		require.NoError(t, <-secondErr, "the other caller still gets the shared check's answer")
		require.Len(t, compares.Costs(), 2, "one check for both")
	})
}
