package httpapi_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
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

// A logged-in client that sends the headers and then trickles the body is
// cut off after the request timeout, even on a server without timeouts of
// its own.
func TestTrickledBodyIsCutOffAtTheRequestTimeout(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	for _, u := range testUsers[:1] {
		require.NoError(t, b.Users.Add(context.Background(), u, password))
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store), Sessions: sessionview.NewReader(b.Store),
		Auth: users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}), RequestTimeout: 300 * time.Millisecond,
	}))
	t.Cleanup(srv.Close)
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	auth := base64.StdEncoding.EncodeToString([]byte("agent1:" + password))
	_, err = fmt.Fprintf(c, "POST /api/v2/me/facebooksessions/s1 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", auth)
	require.NoError(t, err)
	start := time.Now()
	go func() {
		for range 50 {
			time.Sleep(100 * time.Millisecond)
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	// The trickle would take 5 s; a connection still open when the read
	// deadline passes was not cut off. A reset is a cut-off too: the server
	// closes with the client's bytes unread.
	require.NoError(t, c.SetReadDeadline(time.Now().Add(4*time.Second)))
	_, err = io.Copy(io.Discard, c)
	if errors.Is(err, syscall.ECONNRESET) {
		err = nil
	}
	require.NoError(t, err, "the connection is still open after %s", time.Since(start))
}
