package daemon

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

const testPassword = "correct horse"

// serveAPI runs the API on a SQLite store behind the listener and server
// the limits make, and returns its address.
func serveAPI(t *testing.T, lim httpLimits) string {
	t.Helper()
	ctx := context.Background()
	b := storetest.SQLite(t, storetest.Options{})
	for _, u := range []users.User{
		{ID: "a1", UserName: "agent1", Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}},
		{ID: "router", UserName: "router", Roles: []users.Role{users.RoleIntegration}},
	} {
		require.NoError(t, b.Users.Add(ctx, u, testPassword))
	}
	api := httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store, commands.WithAgents(b.Users)),
		Sessions: sessionview.NewReader(b.Store),
		Auth:     users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}),
		Ready:    map[string]func(context.Context) error{"store": b.Store.Ping},
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := lim.server(api)
	go func() { _ = srv.Serve(lim.listener(l)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
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
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
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
	lim := httpLimits{ReadHeaderTimeout: 500 * time.Millisecond, ReadTimeout: time.Second,
		WriteTimeout: 3 * time.Second, IdleTimeout: time.Second, MaxHeaderBytes: 8 << 10,
		MaxConns: 300, HealthConns: 4}
	addr := serveAPI(t, lim)
	const sessions = 20
	for i := range sessions {
		require.Equal(t, http.StatusCreated, call(t, addr, http.MethodPost, "/api/v2/facebooksessions", "router",
			fmt.Sprintf(`{"id":"s%d","agentId":"a1"}`, i)))
	}

	const attackers = 400 // more than MaxConns: some wait in the backlog
	closed := make(chan time.Duration, attackers)
	attack(t, addr, attackers, closed)
	// Each Complete is served within the client's 5 s timeout (call
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
	lim := httpLimits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 10 * time.Second, MaxHeaderBytes: 8 << 10,
		MaxConns: 20, HealthConns: 2}
	addr := serveAPI(t, lim)
	closed := make(chan time.Duration, 20)
	attack(t, addr, 20, closed)
	time.Sleep(100 * time.Millisecond) // let the server accept them all
	require.Equal(t, http.StatusOK, call(t, addr, http.MethodGet, "/readyz", "", ""))
	require.Equal(t, http.StatusOK, call(t, addr, http.MethodGet, "/healthz", "", ""))
	require.Equal(t, http.StatusServiceUnavailable, call(t, addr, http.MethodPost, "/api/v2/facebooksessions", "router", `{"agentId":"a1"}`))
}
