package daemon_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// fbsessiond keeps browser sessions by default, on either store: a Basic
// GET /me gives the cookie, which the REST API and the CometD websocket
// accept with no Authorization, until the user's password changes.
func TestWebSessionsOnByDefault(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, dbURL string) {
		s := startService(t, testConfig(t, dbURL), discardLogger())
		s.cli(dbURL, "correct horse\n", "users", "add", "a1", "--name", "agent1", "--role", "agent", "--feature", "api-multimedia", "--password-stdin")

		me := func(headers ...string) (*http.Response, *http.Cookie) {
			req, err := http.NewRequest(http.MethodGet, s.base+"/api/v2/me", nil)
			require.NoError(t, err)
			req.SetBasicAuth("agent1", "correct horse")
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode)
			for _, c := range res.Cookies() {
				if c.Name == "FBSESSIONID" {
					return res, c
				}
			}
			return res, nil
		}
		// A client that is no page's script (curl, a GWS client) gets none.
		_, cookie := me()
		require.Nil(t, cookie)
		res, cookie := me("X-Requested-With", "XMLHttpRequest")
		require.NotNil(t, cookie)
		csrf := res.Header.Get("X-CSRF-TOKEN")
		require.NotEmpty(t, csrf)

		post := func() int {
			req, err := http.NewRequest(http.MethodPost, s.base+"/api/v2/me", strings.NewReader(`{"operationName":"StartContactCenterSession","channels":["facebooksession"]}`))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", s.base)
			req.Header.Set("X-CSRF-TOKEN", csrf)
			req.AddCookie(cookie)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			return res.StatusCode
		}
		require.Equal(t, http.StatusOK, post())

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h := http.Header{}
		h.Set("Origin", s.base)
		h.Set("Cookie", cookie.String())
		conn, _, err := websocket.Dial(ctx, strings.Replace(s.base, "http", "ws", 1)+"/api/v2/notifications", &websocket.DialOptions{HTTPHeader: h})
		require.NoError(t, err)
		defer conn.CloseNow()
		require.NoError(t, conn.Write(ctx, websocket.MessageText, []byte(`[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["websocket"]}]`)))
		_, msg, err := conn.Read(ctx)
		require.NoError(t, err)
		var rs []struct {
			Successful bool   `json:"successful"`
			Error      string `json:"error"`
		}
		require.NoError(t, json.Unmarshal(msg, &rs), "%s", msg)
		require.True(t, rs[0].Successful, "%s", msg)

		s.cli(dbURL, "battery staple\n", "users", "passwd", "a1", "--password-stdin")
		require.Equal(t, http.StatusUnauthorized, post(), "a new password ends the session at once")
	})
}
