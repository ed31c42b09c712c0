package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/seedfixtures"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

const password = "correct horse"

// The users every test starts with.
var testUsers = []users.User{
	{ID: "a1", UserName: "agent1", Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}},
	{ID: "a2", UserName: "agent2", Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}},
	{ID: "sup", UserName: "supervisor", Roles: []users.Role{users.RoleSupervisor}, Features: []string{users.FeatureMultimedia}},
	{ID: "router", UserName: "router", Roles: []users.Role{users.RoleIntegration}},
	{ID: "nofeat", UserName: "nofeature", Roles: []users.Role{users.RoleAgent}},
	{ID: "gone", UserName: "disabled", Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}, Disabled: true},
}

// env is a running API on a real store.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	store   eventstore.Driver
	dir     *users.Directory
	router  routers.Router
	baseURL string
}

// forEachStore runs f against an API on each store.
func forEachStore(t *testing.T, f func(t *testing.T, e *env)) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		f(t, newEnv(t, b))
	})
}

func newEnv(t *testing.T, b *storetest.Backend) *env {
	t.Helper()
	ctx := context.Background()
	s, dir := b.Store, b.Users
	for _, u := range testUsers {
		require.NoError(t, dir.Add(ctx, u, password))
	}
	e := &env{t: t, store: s, dir: dir, router: openAPIRouter(t)}
	e.srv = httptest.NewUnstartedServer(nil)
	e.baseURL = "http://" + e.srv.Listener.Addr().String()
	e.srv.Config.Handler = httpapi.New(httpapi.Config{
		Commands:    commands.NewHandler(s, commands.WithAgents(dir)),
		Agents:      commands.NewAgentHandler(s, commands.WithAgents(dir)),
		Sessions:    sessionview.NewReader(s),
		Transcripts: sessionview.NewTranscripts(s),
		// The tests send wrong credentials on purpose, more than the
		// default limits allow; auth_throttle_test.go tests the limits.
		Auth: users.NewAuthenticator(dir, users.AuthenticatorConfig{
			PerName: users.BackoffConfig{Free: 1000}, PerAddress: users.BackoffConfig{Free: 1000},
		}),
		BaseURL: e.baseURL,
		Ready:   map[string]func(context.Context) error{"store": s.Ping},
		// These tests are about what the API answers, not how fast: on a
		// loaded machine (CI's race detector, packages in parallel) the
		// default deadline would turn a slow append into a 503.
		// bodydeadline_test.go tests the deadline.
		RequestTimeout: 15 * time.Second,
	})
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

func openAPIRouter(t *testing.T) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	r, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return r
}

// response is a decoded API response.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r response) code() int {
	c, _ := r.body["statusCode"].(float64)
	return int(c)
}

// do sends a request as a user ("" for none) and checks the response
// against the OpenAPI document.
func (e *env) do(method, path, as string, body any, headers ...string) response {
	e.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = bytes.NewReader([]byte(b))
	case []byte:
		reader = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, reader)
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	if as != "" {
		req.SetBasicAuth(userName(as), password)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	require.NoError(e.t, json.Unmarshal(raw, &r.body), "body %s", raw)
	e.validate(req, r)
	return r
}

func (e *env) validate(req *http.Request, r response) {
	e.t.Helper()
	route, params, err := e.router.FindRoute(req)
	require.NoError(e.t, err, "%s %s is not in the OpenAPI document", req.Method, req.URL.Path)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.status, Header: r.header,
		Body: io.NopCloser(bytes.NewReader(r.raw)), Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
	require.NoError(e.t, err, "%s %s → %d %s", req.Method, req.URL.Path, r.status, r.raw)
}

func userName(id string) string {
	for _, u := range testUsers {
		if u.ID == id {
			return u.UserName
		}
	}
	return id
}

// intakeSeed returns the seed's intake body with another session id.
func intakeSeed(t *testing.T, id string) map[string]any {
	t.Helper()
	raw := seedfixtures.IntakeSeed()
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body))
	body["id"] = id
	return body
}

// start creates a session for agent through intake, one the agent has
// joined already (Chatting).
func (e *env) start(id, agent string) {
	e.t.Helper()
	e.startIn(id, agent, "Chatting")
}

// startIn creates a session for agent through intake in state (Invited
// or Chatting; "" leaves it to the default).
func (e *env) startIn(id, agent, state string) {
	e.t.Helper()
	body := intakeSeed(e.t, id)
	body["agentId"] = agent
	if state != "" {
		body["state"] = state
	}
	r := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", body)
	require.Equal(e.t, http.StatusCreated, r.status, "%s", r.raw)
}

// version is the version of a session's stream: 0 when it has none.
func (e *env) version(id string) int {
	e.t.Helper()
	return len(e.types(id))
}

// types lists the event types of a session's stream.
func (e *env) types(id string) []string {
	e.t.Helper()
	events, err := e.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	if err != nil {
		require.ErrorIs(e.t, err, eventstore.ErrNotFound)
		return nil
	}
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.Type
	}
	return out
}
