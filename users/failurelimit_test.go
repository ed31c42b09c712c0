package users_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/users"
)

// Past its free failures an address waits, doubling; other addresses do
// not, an IPv6 address counts with its /64, and the failures are
// forgotten after Forget.
func TestFailureLimit(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	l := users.NewFailureLimit(users.BackoffConfig{Free: 3, Base: time.Second, Max: 4 * time.Second, Forget: time.Hour}, clock)
	for range 2 {
		require.Zero(t, l.Wait("192.0.2.1"))
		l.Fail("192.0.2.1")
	}
	require.Zero(t, l.Wait("192.0.2.1"))
	l.Fail("192.0.2.1")
	require.Equal(t, time.Second, l.Wait("192.0.2.1"), "the third failure locks it out")
	require.Zero(t, l.Wait("192.0.2.2"))
	now = now.Add(time.Second)
	require.Zero(t, l.Wait("192.0.2.1"))
	l.Fail("192.0.2.1")
	require.Equal(t, 2*time.Second, l.Wait("192.0.2.1"))
	for range 3 {
		now = now.Add(10 * time.Second)
		l.Fail("192.0.2.1")
	}
	require.Equal(t, 4*time.Second, l.Wait("192.0.2.1"), "up to Max")
	now = now.Add(2 * time.Hour)
	require.Zero(t, l.Wait("192.0.2.1"), "forgotten")

	for i := range 3 {
		l.Fail(fmt.Sprintf("2001:db8::%d", i+1))
	}
	require.Equal(t, time.Second, l.Wait("2001:db8::ffff"), "one /64")
	require.Zero(t, l.Wait("2001:db8:0:1::1"))

	l.Fail("")
	require.Zero(t, l.Wait(""), "an unknown address is never limited")
}

// The addresses locked out are bounded: once Keys are, an address about
// to be locked out waits instead.
func TestFailureLimitKeysAreBounded(t *testing.T) {
	t.Parallel()
	l := users.NewFailureLimit(users.BackoffConfig{Free: 1, Base: time.Minute, Keys: 2}, nil)
	l.Fail("192.0.2.1")
	l.Fail("192.0.2.2")
	require.Equal(t, time.Minute, l.Wait("192.0.2.3").Round(time.Minute), "no room to remember its lockout")
}
