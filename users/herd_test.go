package users_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/users"
)

// After a restart, every desktop behind one NAT logs in again at once: 300
// distinct users with the right passwords from one address are all served,
// none refused by the per-address throttle, which counts failures only.
func TestAuthenticatorServesARestartHerdFromOneAddress(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		const herd = 300
		for i := range herd {
			u := users.User{ID: fmt.Sprintf("h%d", i), UserName: fmt.Sprintf("herd%d", i), Roles: []users.Role{users.RoleAgent}}
			require.NoError(t, d.Add(ctx, u, "correct horse"))
		}
		reg := prometheus.NewRegistry()
		// Slots and wait generous enough that only the throttle could
		// refuse anyone, even under the race detector.
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{Checks: 4, CheckWait: time.Minute, Registerer: reg})
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, herd)
		for i := range herd {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := a.Authenticate(ctx, "203.0.113.7", fmt.Sprintf("herd%d", i), "correct horse")
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		t.Logf("%d logins from one address in %s", herd, time.Since(start))
		if !raceDetector {
			require.Less(t, time.Since(start), 5*time.Second)
		}
		require.Zero(t, failures(t, reg)["throttled"])
	})
}

// Wrong passwords sent in parallel from one address are still bounded:
// once its free failures are spent, the attempts still waiting for a check
// slot are refused without one.
func TestAuthenticatorBoundsParallelGuessesFromOneAddress(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, d *users.Directory) {
		ctx := context.Background()
		var compares users.Compares
		users.RecordCompares(d, &compares)
		const checks = 2
		a := users.NewAuthenticator(d, users.AuthenticatorConfig{Checks: checks, CheckWait: time.Minute})
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := a.Authenticate(ctx, "203.0.113.8", fmt.Sprintf("guess%d", i), "wrong horse")
				require.Error(t, err)
			}()
		}
		wg.Wait()
		require.LessOrEqual(t, len(compares.Costs()), 20+checks, "20 free failures, and the checks already running")
		_, err := a.Authenticate(ctx, "203.0.113.8", "one-more", "wrong horse")
		require.ErrorIs(t, err, users.ErrThrottled)
	})
}
