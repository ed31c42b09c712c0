package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// throttleEnv is an API with the authenticator's default limits.
type throttleEnv struct {
	t   *testing.T
	srv *httptest.Server
}

func newThrottleEnv(t *testing.T, b *storetest.Backend) *throttleEnv {
	t.Helper()
	for _, u := range testUsers {
		require.NoError(t, b.Users.Add(context.Background(), u, password))
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store, commands.WithAgents(b.Users)),
		Sessions: sessionview.NewReader(b.Store),
		Auth:     users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}),
	}))
	t.Cleanup(srv.Close)
	return &throttleEnv{t: t, srv: srv}
}

// rawGet sends GET path with Basic credentials and extra headers, without
// the OpenAPI check of env.do: 429 is not in the document yet.
func (e *throttleEnv) rawGet(path, name, pass string, headers ...string) (int, http.Header, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	require.NoError(e.t, err)
	req.SetBasicAuth(name, pass)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	var body map[string]any
	require.NoError(e.t, json.Unmarshal(raw, &body), "%s", raw)
	return res.StatusCode, res.Header, body
}

func TestFailedLoginsAreThrottled(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		e := newThrottleEnv(t, b)
		status, _, _ := e.rawGet("/api/v2/me", "agent1", password)
		require.Equal(t, http.StatusOK, status)

		for range 5 {
			status, _, _ := e.rawGet("/api/v2/me", "agent1", "wrong horse")
			require.Equal(t, http.StatusUnauthorized, status)
		}
		status, header, body := e.rawGet("/api/v2/me", "agent1", "wrong horse")
		require.Equal(t, http.StatusTooManyRequests, status)
		require.Equal(t, "1", header.Get("Retry-After"))
		require.Equal(t, map[string]any{"statusCode": 20.0, "statusMessage": "Too many failed attempts; try again later"}, body)

		status, _, _ = e.rawGet("/api/v2/me", "agent1", password)
		require.Equal(t, http.StatusOK, status, "verified credentials are still served")

		// The address counts too, and a client cannot choose its own with
		// proxy headers: 20 failures from one connection's address, whatever
		// the names and the headers say.
		for i := range 15 {
			ip := fmt.Sprintf("10.9.0.%d", i)
			status, _, _ := e.rawGet("/api/v2/me", fmt.Sprintf("guess%d", i), "wrong horse", "X-Forwarded-For", ip, "X-Real-IP", ip)
			require.Equal(t, http.StatusUnauthorized, status)
		}
		status, _, _ = e.rawGet("/api/v2/me", "agent2", "wrong horse", "X-Forwarded-For", "10.9.1.1")
		require.Equal(t, http.StatusTooManyRequests, status)
	})
}
