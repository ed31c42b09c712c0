package httpapi_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// trickleServer is an API on a server without timeouts of its own, with
// agent1 logged in once so that the trickled request's bcrypt check does
// not eat its time.
func trickleServer(t *testing.T, requestTimeout, maxRead time.Duration) string {
	t.Helper()
	b := storetest.SQLite(t, storetest.Options{})
	for _, u := range testUsers[:1] {
		require.NoError(t, b.Users.Add(context.Background(), u, password))
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store), Sessions: sessionview.NewReader(b.Store),
		Auth:           users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}),
		RequestTimeout: requestTimeout, MaxRequestRead: maxRead,
	}))
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v2/me", nil)
	require.NoError(t, err)
	req.SetBasicAuth("agent1", password)
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	return srv.Listener.Addr().String()
}

// trickle sends a request's headers and then a byte of its body every
// 100 ms for far longer than the test waits, and returns what the server
// sent until it closed the connection, or fails if it is still open after
// wait.
func trickle(t *testing.T, addr string, wait time.Duration) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	auth := base64.StdEncoding.EncodeToString([]byte("agent1:" + password))
	_, err = fmt.Fprintf(c, "POST /api/v2/me/facebooksessions/s1 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{", auth)
	require.NoError(t, err)
	go func() {
		for range 1000 {
			time.Sleep(100 * time.Millisecond)
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	// A reset is a cut-off too: the server closes with the client's bytes
	// unread.
	start := time.Now()
	require.NoError(t, c.SetReadDeadline(start.Add(wait)))
	got, err := io.ReadAll(bufio.NewReader(c))
	if errors.Is(err, syscall.ECONNRESET) {
		err = nil
	}
	require.NoError(t, err, "the connection is still open after %s", time.Since(start))
	return string(got)
}

// A logged-in client that sends the headers and then trickles the body is
// cut off after the request timeout, even on a server without timeouts of
// its own: its connection is closed, not kept for an answer.
func TestTrickledBodyIsCutOffAtTheRequestTimeout(t *testing.T) {
	t.Parallel()
	addr := trickleServer(t, time.Second, 0)
	// The trickle would take 100 s.
	got := trickle(t, addr, 10*time.Second)
	require.NotContains(t, got, "HTTP/1.1 2", "the trickled request was served")
}

// A request timeout longer than MaxRequestRead (the server's ReadTimeout)
// does not give the body more time than MaxRequestRead.
func TestMaxRequestReadBoundsTheBodyUnderALongRequestTimeout(t *testing.T) {
	t.Parallel()
	addr := trickleServer(t, time.Minute, time.Second)
	got := trickle(t, addr, 10*time.Second)
	require.NotContains(t, got, "HTTP/1.1 2", "the trickled request was served")
}
