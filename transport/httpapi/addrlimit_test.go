package httpapi

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dialFrom connects to addr from the loopback address local (Linux routes
// all of 127.0.0.0/8 to lo), as a distinct client would.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// get sends one request on c and returns the status; user "" sends no
// credentials.
func get(t *testing.T, c net.Conn, path, user string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://fbsession"+path, nil)
	require.NoError(t, err)
	if user != "" {
		req.SetBasicAuth(user, testPassword)
	}
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	require.NoError(t, req.Write(c))
	res, err := http.ReadResponse(bufio.NewReader(c), req)
	require.NoError(t, err, path)
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode
}

// closedAtOnce tells whether the server closed c without answering.
func closedAtOnce(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err == io.EOF || (err != nil && strings.Contains(err.Error(), "reset"))
}

// One address flooding idle connections, reopened as soon as closed, holds
// at most its cap: its next connections are closed at once, and other
// addresses are served, though the flood exceeds the whole cap. Its idle
// connections would otherwise hold every slot for ReadHeaderTimeout.
func TestOneAddressCannotCrowdOutOthers(t *testing.T) {
	t.Parallel()
	lim := Limits{ReadHeaderTimeout: time.Minute, ReadTimeout: time.Minute, WriteTimeout: time.Minute,
		IdleTimeout: time.Minute, MaxHeaderBytes: 8 << 10, MaxConns: 8, HealthConns: 0, ConnsPerAddress: 4}
	addr, l := serveAPI(t, lim)
	for range 4 {
		dialFrom(t, "127.0.0.2", addr)
	}
	require.Eventually(t, func() bool { return len(l.general) == 4 }, 5*time.Second, 5*time.Millisecond)
	for range 8 {
		require.True(t, closedAtOnce(dialFrom(t, "127.0.0.2", addr)), "a connection past the address's cap stays open")
	}
	other := dialFrom(t, "127.0.0.3", addr)
	require.Equal(t, http.StatusOK, get(t, other, "/api/v2/me", "agent1"))
	require.Equal(t, http.StatusOK, get(t, other, "/readyz", ""))
	require.Equal(t, 5, len(l.general), "the flooding address holds its cap, the other one its connection")
}

// A connection closed gives its address's place back.
func TestAddressCapIsReleasedOnClose(t *testing.T) {
	t.Parallel()
	lim := DefaultLimits(time.Second)
	lim.ConnsPerAddress = 2
	addr, _ := serveAPI(t, lim)
	first := dialFrom(t, "127.0.0.4", addr)
	require.Equal(t, http.StatusOK, get(t, first, "/healthz", ""))
	second := dialFrom(t, "127.0.0.4", addr)
	require.Equal(t, http.StatusOK, get(t, second, "/healthz", ""))
	require.True(t, closedAtOnce(dialFrom(t, "127.0.0.4", addr)))
	require.NoError(t, first.Close())
	require.Eventually(t, func() bool {
		c := dialFrom(t, "127.0.0.4", addr)
		return !closedAtOnce(c)
	}, 5*time.Second, 50*time.Millisecond)
}

// The trusted proxies carry many clients' connections: they are not
// capped per address.
func TestTrustedProxiesAreNotCappedPerAddress(t *testing.T) {
	t.Parallel()
	lim := DefaultLimits(time.Second)
	lim.ConnsPerAddress = 2
	lim.ExemptAddresses = []netip.Prefix{netip.MustParsePrefix("127.0.0.5/32")}
	addr, _ := serveAPI(t, lim)
	for range 5 {
		require.Equal(t, http.StatusOK, get(t, dialFrom(t, "127.0.0.5", addr), "/healthz", ""))
	}
}

// A request that does not log in gets its answer and the connection
// closed, so that unauthenticated clients cannot keep connections idle.
func TestUnauthenticatedConnectionsAreShed(t *testing.T) {
	t.Parallel()
	addr, _ := serveAPI(t, DefaultLimits(time.Second))
	c := dialFrom(t, "127.0.0.6", addr)
	require.Equal(t, http.StatusUnauthorized, get(t, c, "/api/v2/me", ""))
	require.True(t, closedAtOnce(c), "the connection was kept after a 401")
	c = dialFrom(t, "127.0.0.6", addr)
	require.Equal(t, http.StatusOK, get(t, c, "/api/v2/me", "agent1"))
	require.Equal(t, http.StatusOK, get(t, c, "/api/v2/me", "agent1"), "a logged-in client keeps its connection")
}
