package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// freeFailuresPerAddress is the failed logins an address may make before
// it is throttled, in these tests.
const freeFailuresPerAddress = 3

// proxiedAPI serves the API, trusting proxies, to a test client on
// loopback, and returns its URL.
func proxiedAPI(t *testing.T, proxies ...netip.Prefix) string {
	t.Helper()
	b := storetest.SQLite(t, storetest.Options{})
	for _, u := range testUsers {
		require.NoError(t, b.Users.Add(context.Background(), u, password))
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store), Sessions: sessionview.NewReader(b.Store),
		Auth: users.NewAuthenticator(b.Users, users.AuthenticatorConfig{
			PerName: users.BackoffConfig{Free: 1000}, PerAddress: users.BackoffConfig{Free: freeFailuresPerAddress},
		}),
		TrustedProxies: proxies,
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// wrongLogin sends a wrong password for a fresh name as the client
// forwardedFor says it is, and returns the status.
func wrongLogin(t *testing.T, url, name, forwardedFor string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url+"/api/v2/me", nil)
	require.NoError(t, err)
	req.SetBasicAuth(name, "wrong horse")
	req.Header.Set("X-Forwarded-For", forwardedFor)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	return res.StatusCode
}

// exhaust makes the free failed logins of the client forwardedFor names.
func exhaust(t *testing.T, url, forwardedFor string) {
	t.Helper()
	for range freeFailuresPerAddress {
		require.Equal(t, http.StatusUnauthorized, wrongLogin(t, url, "guess", forwardedFor))
	}
}

// Behind a trusted proxy, two clients are throttled apart: the address
// failed logins count under is the one the proxy forwarded.
func TestClientsBehindATrustedProxyAreThrottledApart(t *testing.T) {
	t.Parallel()
	for name, proxies := range map[string][]netip.Prefix{
		"ranges":       {netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		"IPv4 in IPv6": {netip.MustParsePrefix("::ffff:127.0.0.1/128")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := proxiedAPI(t, proxies...)
			exhaust(t, url, "203.0.113.1")
			require.Equal(t, http.StatusTooManyRequests, wrongLogin(t, url, "guess", "203.0.113.1"))
			// A client may prepend what it likes; the proxy appends the
			// address it saw, and that one counts.
			require.Equal(t, http.StatusTooManyRequests, wrongLogin(t, url, "guess", "198.51.100.7, 203.0.113.1"))
			require.Equal(t, http.StatusUnauthorized, wrongLogin(t, url, "guess", "203.0.113.2"))
		})
	}
}

// Without trusted proxies, or from a peer not among them, X-Forwarded-For
// is ignored: a client cannot choose the address it is throttled under,
// even from loopback or a private network.
func TestForwardedForIsIgnoredFromUntrustedPeers(t *testing.T) {
	t.Parallel()
	for name, proxies := range map[string][]netip.Prefix{
		"no trusted proxies":  nil,
		"peer not among them": {netip.MustParsePrefix("10.0.0.0/8")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := proxiedAPI(t, proxies...)
			exhaust(t, url, "203.0.113.1")
			require.Equal(t, http.StatusTooManyRequests, wrongLogin(t, url, "guess", "203.0.113.2"))
		})
	}
}
