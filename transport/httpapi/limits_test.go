package httpapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/users"
)

const testPassword = "correct horse"

// serveAPI runs the API on a SQLite store behind the listener and server
// the limits make, and returns its address and the listener.
func serveAPI(t *testing.T, lim Limits) (string, *limitListener) {
	t.Helper()
	ctx := context.Background()
	b := storetest.SQLite(t, storetest.Options{})
	for _, u := range []users.User{
		{ID: "a1", UserName: "agent1", Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}},
		{ID: "router", UserName: "router", Roles: []users.Role{users.RoleIntegration}},
	} {
		require.NoError(t, b.Users.Add(ctx, u, testPassword))
	}
	api := New(Config{
		Commands: commands.NewHandler(b.Store, commands.WithAgents(b.Users)),
		Sessions: sessionview.NewReader(b.Store),
		Auth:     users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}),
		Ready:    map[string]func(context.Context) error{"store": b.Store.Ping},
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := lim.Server(api)
	ll := lim.Listener(l)
	go func() { _ = srv.Serve(ll) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String(), ll.(*limitListener)
}

// call sends one request on a fresh connection and returns the status.
func call(t *testing.T, addr, method, path, user, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.SetBasicAuth(user, testPassword)
	}
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// attack opens n connections that each hold the server: half send a
// request's headers and then trickle its body, half make one request and
// then idle on keep-alive. It returns when all are open, and sends on
// closed the time each one took to be closed by the server.
func attack(t *testing.T, addr string, n int, closed chan<- time.Duration) {
	t.Helper()
	var opened sync.WaitGroup
	for i := range n {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		start := time.Now()
		if i%2 == 0 {
			_, err = fmt.Fprintf(c, "POST /api/v2/me/facebooksessions/s1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{")
		} else {
			_, err = fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		require.NoError(t, err)
		opened.Add(1)
		go func() {
			// Trickle a byte a while, as long as the server reads; read
			// whatever it answers until it closes.
			stop := make(chan struct{})
			if i%2 == 0 {
				go func() {
					for {
						select {
						case <-stop:
							return
						case <-time.After(100 * time.Millisecond):
							if _, err := c.Write([]byte(" ")); err != nil {
								return
							}
						}
					}
				}()
			}
			opened.Done()
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, _ = io.Copy(io.Discard, bufio.NewReader(c))
			close(stop)
			closed <- time.Since(start)
		}()
	}
	opened.Wait()
}

// Connections that trickle a body or idle are closed after the timeouts,
// and real requests are served meanwhile, within a bound.
func TestSlowAndIdleConnectionsAreCut(t *testing.T) {
	t.Parallel()
	lim := Limits{ReadHeaderTimeout: 500 * time.Millisecond, ReadTimeout: time.Second,
		WriteTimeout: 3 * time.Second, IdleTimeout: time.Second, MaxHeaderBytes: 8 << 10,
		// No health reserve: a request accepted on it is turned away (see
		// TestHealthChecksHaveAReserve), and this test is about the
		// ordinary connections the attack frees.
		MaxConns: 60, HealthConns: 0}
	addr, _ := serveAPI(t, lim)
	const sessions = 20
	for i := range sessions {
		require.Equal(t, http.StatusCreated, call(t, addr, http.MethodPost, "/api/v2/facebooksessions", "router",
			fmt.Sprintf(`{"id":"s%d","agentId":"a1","state":"Chatting"}`, i)))
	}

	const attackers = 100 // more than MaxConns: some wait in the backlog
	closed := make(chan time.Duration, attackers)
	attack(t, addr, attackers, closed)
	// Each Complete is served within the client's 15 s timeout (call
	// fails the test otherwise), attack or not.
	for i := range sessions {
		require.Equal(t, http.StatusOK, call(t, addr, http.MethodPost, fmt.Sprintf("/api/v2/me/facebooksessions/s%d", i), "agent1",
			`{"operationName":"Complete"}`))
	}
	for range attackers {
		select {
		case <-closed:
		case <-time.After(15 * time.Second):
			t.Fatal("an attacking connection is still open")
		}
	}
}

// With every ordinary connection taken, health checks are still answered
// on the reserve, and nothing else is.
func TestHealthChecksHaveAReserve(t *testing.T) {
	t.Parallel()
	lim := Limits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 10 * time.Second, MaxHeaderBytes: 8 << 10,
		MaxConns: 20, HealthConns: 2}
	addr, l := serveAPI(t, lim)
	// Connections that asked once and stay idle hold their places until
	// IdleTimeout (10 s); a trickled body would be cut at the API's own
	// body deadline, freeing a place on a slow machine before the check.
	for range lim.MaxConns {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		_, err = fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		go func() { _, _ = io.Copy(io.Discard, c) }()
	}
	require.Eventually(t, func() bool { return len(l.general) == lim.MaxConns }, 10*time.Second, 10*time.Millisecond,
		"the server accepts the attacking connections")
	require.Equal(t, http.StatusOK, call(t, addr, http.MethodGet, "/readyz", "", ""))
	require.Equal(t, http.StatusOK, call(t, addr, http.MethodGet, "/healthz", "", ""))
	require.Equal(t, http.StatusServiceUnavailable, call(t, addr, http.MethodPost, "/api/v2/facebooksessions", "router", `{"agentId":"a1"}`))
}

// However low the file limit, some connections are served: a general cap
// of 0 or less would block Accept for good or panic.
func TestConnsForLowFileLimits(t *testing.T) {
	t.Parallel()
	for limit, want := range map[uint64]int{0: 1, 64: 1, 86: 1, 87: 1, 90: 2, 1024: 704, 1 << 20: 10_000 - healthConns} {
		require.Equal(t, want, connsFor(limit), "file limit %d", limit)
	}
	require.Positive(t, maxConns())
}

// The body of a request may take what is left of ReadTimeout once the
// slowest headers have arrived, so that httpapi's body deadline is never
// later than the server's.
func TestBodyReadNeverOutlastsReadTimeout(t *testing.T) {
	t.Parallel()
	require.Equal(t, 10*time.Second, DefaultLimits(time.Minute).BodyRead())
	require.Equal(t, time.Millisecond, Limits{ReadHeaderTimeout: time.Second, ReadTimeout: time.Second}.BodyRead())
	require.Zero(t, Limits{ReadHeaderTimeout: time.Second}.BodyRead(), "no ReadTimeout: httpapi's default")
}

// acceptHook is a real listener that tells of each connection it accepts,
// and can break one before handing it over.
type acceptHook struct {
	net.Listener
	accepted chan struct{}
	// breakNth is the connection (from 1) closed before it is handed over,
	// as if its file had gone; 0 for none.
	breakNth, n int
}

func (l *acceptHook) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.n++
	if l.n == l.breakNth {
		_ = c.Close()
	}
	l.accepted <- struct{}{}
	return c, nil
}

func hookedListener(t *testing.T, lim Limits, breakNth int) (net.Listener, *acceptHook) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hook := &acceptHook{Listener: inner, accepted: make(chan struct{}, 16), breakNth: breakNth}
	l := lim.Listener(hook)
	t.Cleanup(func() { _ = l.Close() })
	return l, hook
}

func dial(t *testing.T, l net.Listener) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// within waits for a functional outcome, with a bound generous enough for
// a loaded CI machine.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal(what)
		panic("unreachable")
	}
}

type accepted struct {
	c   net.Conn
	err error
}

// An Accept waiting for a slot gives up when the listener is closed, as
// http.Server.Shutdown does, and closes the connection it held instead of
// handing it to a server that has stopped.
func TestCloseReleasesAnAcceptWaitingForASlot(t *testing.T) {
	t.Parallel()
	l, hook := hookedListener(t, Limits{MaxConns: 1, HealthConns: 1}, 0)
	for range 2 { // the general slot, then the reserve's
		dial(t, l)
		c, err := l.Accept()
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
	}
	waiting := dial(t, l)
	result := make(chan accepted, 1)
	go func() {
		c, err := l.Accept()
		result <- accepted{c, err}
	}()
	within(t, hook.accepted, "the third connection is not accepted") // and now waits for a slot
	require.NoError(t, l.Close())
	got := within(t, result, "Accept still waits after Close")
	require.ErrorIs(t, got.err, net.ErrClosed)
	require.Nil(t, got.c)
	require.NoError(t, waiting.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err := waiting.Read(make([]byte, 1))
	require.Error(t, err)
	require.False(t, errors.Is(err, os.ErrDeadlineExceeded), "the held connection is still open")
}

// A connection whose deadline cannot be set is closed and its slot given
// back, and Accept goes on with the next instead of returning an error that
// would stop the server.
func TestAcceptSkipsAConnectionItCannotKeepADeadlineOn(t *testing.T) {
	t.Parallel()
	// The second connection goes to the reserve, which sets a deadline.
	l, _ := hookedListener(t, Limits{MaxConns: 1, HealthConns: 1}, 2)
	dial(t, l)
	c, err := l.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	dial(t, l)
	dial(t, l)
	result := make(chan accepted, 1)
	go func() {
		c, err := l.Accept()
		result <- accepted{c, err}
	}()
	got := within(t, result, "Accept returns neither the broken connection nor the next")
	require.NoError(t, got.err)
	t.Cleanup(func() { _ = got.c.Close() })
	// The broken one's reserve slot came back, and the next one has it.
	require.True(t, got.c.(*limitedConn).reserve)
	require.Len(t, l.(*limitListener).reserve, 1)
}
