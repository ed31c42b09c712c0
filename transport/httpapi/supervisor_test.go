package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/domain/routing"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections/router"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

var supT0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

// boss is a supervisor without the api-multimedia feature: no desktop
// of their own, only the supervisors' views.
var boss = users.User{ID: "boss", UserName: "boss", Roles: []users.Role{users.RoleSupervisor}}

// newSupervisorEnv is an API whose supervisors' views read the store's
// users and a real router following the store, as in fbsessiond.
func newSupervisorEnv(t *testing.T, b *storetest.Backend, sup httpapi.Supervision) (*env, *commands.QueueHandler, *commands.AgentHandler) {
	t.Helper()
	ctx := context.Background()
	for _, u := range append(testUsers, boss) {
		require.NoError(t, b.Users.Add(ctx, u, password))
	}
	clock := commands.WithClock(b.Clock.Now)
	sessions := commands.NewHandler(b.Store, commands.WithAgents(b.Users), clock)
	agents := commands.NewAgentHandler(b.Store, commands.WithAgents(b.Users), clock)
	queues := commands.NewQueueHandler(b.Store, b.Users, clock)
	r, err := router.New(router.Config{Store: b.Store, Sessions: sessions, Agents: agents, Now: b.Clock.Now,
		LeaseRetry: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	if sup.Agents == nil {
		sup.Agents = b.Users
	}
	if sup.Board == nil {
		sup.Board = r
	}
	e := &env{t: t, store: b.Store, dir: b.Users, router: openAPIRouter(t)}
	e.srv = httptest.NewUnstartedServer(nil)
	e.baseURL = "http://" + e.srv.Listener.Addr().String()
	e.srv.Config.Handler = httpapi.New(httpapi.Config{
		Commands: sessions, Agents: agents,
		Sessions: sessionview.NewReader(b.Store), Transcripts: sessionview.NewTranscripts(b.Store),
		Auth: users.NewAuthenticator(b.Users, users.AuthenticatorConfig{
			PerName: users.BackoffConfig{Free: 1000}, PerAddress: users.BackoffConfig{Free: 1000},
		}),
		BaseURL: e.baseURL, Queues: queues.Queues(), QueueFigures: r, Supervision: sup,
		RequestTimeout: 15 * time.Second,
	})
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e, queues, agents
}

// A supervisor sees every agent with their channel state and sessions,
// and every live session, as the router folds them from the log.
func TestSupervisorViews(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{ClockAt: supT0}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		e, queues, agents := newSupervisorEnv(t, b, httpapi.Supervision{})
		admin := commands.Request{Actor: "ops"}
		_, err := queues.Add(ctx, admin, queue.Add{Name: "Sales"})
		require.NoError(t, err)
		_, err = queues.Execute(ctx, admin, "Sales", queue.AddMembers{Agents: []string{"a1", "a2"}})
		require.NoError(t, err)
		_, err = agents.Execute(ctx, admin, as.SetCapacity{Sender: as.Sender{Agent: "a1", By: "ops", Administrator: true},
			Channel: as.ChannelFacebookSession, Capacity: 2})
		require.NoError(t, err)
		ok := func(r response) {
			t.Helper()
			require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		}
		for _, a := range []string{"a1", "a2"} {
			ok(e.do(http.MethodPost, "/api/v2/me", a, `{"operationName":"StartContactCenterSession","channels":["facebooksession"]}`))
		}
		ok(e.do(http.MethodPost, "/api/v2/me/channels/facebooksession", "a2", `{"operationName":"NotReady","reasonCode":"Lunch"}`))

		// Three queued while nobody is Ready; a1, Ready, is offered the
		// two oldest (capacity 2), and accepts the first.
		for _, id := range []string{"q1", "q2", "q3"} {
			b.Clock.Advance(time.Second)
			body := intakeSeed(t, id)
			delete(body, "agentId")
			body["queueName"] = "Sales"
			r := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", body)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		}
		b.Clock.Advance(time.Second)
		ok(e.do(http.MethodPost, "/api/v2/me/channels/facebooksession", "a1", `{"operationName":"Ready"}`))
		require.Eventually(t, func() bool {
			r := e.do(http.MethodGet, "/api/v2/queues/Sales", "a1", nil)
			return r.body["queue"].(map[string]any)["waiting"] == float64(1) &&
				len(e.do(http.MethodGet, "/api/v2/me/facebooksessions", "a1", nil).body["uris"].([]any)) == 2
		}, 10*time.Second, 10*time.Millisecond, "q1 and q2 offered to a1")
		b.Clock.Advance(time.Second)
		ok(e.do(http.MethodPost, "/api/v2/me/facebooksessions/q1", "a1", `{"operationName":"Accept"}`))
		// One handed to a2 at intake, chatting at once.
		b.Clock.Advance(time.Second)
		e.startIn("d1", "a2", "Chatting")

		at := func(s int) string { return supT0.Add(time.Duration(s) * time.Second).Format(time.RFC3339) }
		live := fmt.Sprintf(`{"statusCode":0,"more":false,"facebooksessions":[
			{"id":"q3","state":"Waiting","queueName":"Sales","since":%q},
			{"id":"q2","state":"Invited","queueName":"Sales","agentId":"a1","since":%q},
			{"id":"q1","state":"Chatting","queueName":"Sales","agentId":"a1","since":%q},
			{"id":"d1","state":"Chatting","agentId":"a2","since":%q}]}`, at(3), at(4), at(5), at(6))
		// The router folds what the API appended on its own time.
		require.Eventually(t, func() bool {
			r := e.do(http.MethodGet, "/api/v2/facebooksessions", "sup", nil)
			return r.status == http.StatusOK && jsonEqual(t, live, r.raw)
		}, 10*time.Second, 10*time.Millisecond)
		for _, as := range []string{"boss", "router"} {
			r := e.do(http.MethodGet, "/api/v2/facebooksessions", as, nil)
			ok(r)
			require.JSONEq(t, live, string(r.raw), as)
		}

		r := e.do(http.MethodGet, "/api/v2/agents", "boss", nil)
		ok(r)
		require.JSONEq(t, fmt.Sprintf(`{"statusCode":0,"more":false,"agents":[
			{"id":"a1","userName":"agent1","enabled":true,"capacity":2,
			 "channels":[{"channel":"facebooksession","userState":{"id":"9430250E-0A1B-421F-B372-F29E69366DED","displayName":"Ready","state":"Ready"}}],
			 "facebooksessions":[{"id":"q2","state":"Invited","queueName":"Sales","since":%q},{"id":"q1","state":"Chatting","queueName":"Sales","since":%q}]},
			{"id":"a2","userName":"agent2","enabled":true,"capacity":3,
			 "channels":[{"channel":"facebooksession","userState":{"id":"900D55CC-2BB0-431F-8BF9-D3525B383BE6","displayName":"Not Ready","state":"NotReady","reasonCode":"Lunch"}}],
			 "facebooksessions":[{"id":"d1","state":"Chatting","since":%q}]},
			{"id":"gone","userName":"disabled","enabled":false,"capacity":3,"channels":[],"facebooksessions":[]},
			{"id":"nofeat","userName":"nofeature","enabled":true,"capacity":3,"channels":[],"facebooksessions":[]}]}`,
			at(4), at(5), at(6)), string(r.raw))

		// A supervisor without the api-multimedia feature reads any
		// session and its transcript; an agent without it still may not.
		for _, path := range []string{"/api/v2/facebooksessions/q2", "/api/v2/facebooksessions/q2/messages"} {
			ok(e.do(http.MethodGet, path, "boss", nil))
			r := e.do(http.MethodGet, path, "nofeat", nil)
			require.Equal(t, http.StatusForbidden, r.status)
			require.Equal(t, 5, r.code())
		}

		// Others: the role is needed, and the list is GET only.
		for _, c := range []struct{ path, as, message string }{
			{"/api/v2/agents", "a1", "This operation needs the supervisor role"},
			{"/api/v2/agents", "router", "This operation needs the supervisor role"},
			{"/api/v2/facebooksessions", "a1", "This operation needs the supervisor or integration role"},
			{"/api/v2/facebooksessions", "nofeat", "This operation needs the supervisor or integration role"},
		} {
			r := e.do(http.MethodGet, c.path, c.as, nil)
			require.Equal(t, http.StatusForbidden, r.status, "%s %s", c.as, c.path)
			require.JSONEq(t, `{"statusCode":3,"statusMessage":"`+c.message+`"}`, string(r.raw))
		}
		require.Equal(t, http.StatusUnauthorized, e.do(http.MethodGet, "/api/v2/agents", "", nil).status)
		require.Equal(t, http.StatusForbidden, e.do(http.MethodPost, "/api/v2/facebooksessions", "sup", intakeSeed(t, "x1")).status)
		require.Equal(t, http.StatusMethodNotAllowed, rawStatus(t, e, http.MethodPut, "/api/v2/facebooksessions"))
		require.Equal(t, http.StatusMethodNotAllowed, rawStatus(t, e, http.MethodPost, "/api/v2/agents"))
	})
}

// The lists are bounded, and say when there is more; the users that
// cannot be read are the service's 503.
func TestSupervisorViewBounds(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{ClockAt: supT0}, func(t *testing.T, b *storetest.Backend) {
		board := &bigBoard{}
		lister := &failingLister{err: errors.New("connection refused")}
		e, _, _ := newSupervisorEnv(t, b, httpapi.Supervision{Agents: lister, Board: board})
		r := e.do(http.MethodGet, "/api/v2/facebooksessions", "sup", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.EqualValues(t, 1000, board.limit.Load())
		require.Len(t, r.body["facebooksessions"], 1000)
		require.Equal(t, true, r.body["more"])

		r = e.do(http.MethodGet, "/api/v2/agents", "sup", nil)
		require.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.raw)
		require.JSONEq(t, `{"statusCode":4,"statusMessage":"Service unavailable, try again"}`, string(r.raw))
		lister.set(nil)
		r = e.do(http.MethodGet, "/api/v2/agents", "sup", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		require.Equal(t, 10000, lister.asked())
		require.Equal(t, true, r.body["more"])
		require.Len(t, r.body["agents"], 4)
	})
}

// bigBoard has 1500 live sessions, and keeps the limit asked.
type bigBoard struct{ limit atomic.Int64 }

func (b *bigBoard) Agents(ids []string, perAgent int) []routing.AgentView {
	return make([]routing.AgentView, len(ids))
}

func (b *bigBoard) Sessions(limit int) ([]routing.Live, int) {
	b.limit.Store(int64(limit))
	out := make([]routing.Live, min(limit, 1500))
	for i := range out {
		out[i] = routing.Live{ID: fmt.Sprintf("s%d", i), State: routing.StateWaiting, Queue: "Q", Since: supT0}
	}
	return out, 1500
}

// failingLister fails while err is set, then lists four agents, and
// more.
type failingLister struct {
	mu    sync.Mutex
	err   error
	limit int
}

func (l *failingLister) ListAgents(_ context.Context, limit int) ([]users.User, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit = limit
	if l.err != nil {
		return nil, false, l.err
	}
	return testUsers[:4], true, nil
}

func (l *failingLister) set(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.err = err
}

func (l *failingLister) asked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// jsonEqual tells whether two JSON documents are equal.
func jsonEqual(t *testing.T, want string, got []byte) bool {
	t.Helper()
	var w, g any
	require.NoError(t, json.Unmarshal([]byte(want), &w))
	require.NoError(t, json.Unmarshal(got, &g))
	return reflect.DeepEqual(w, g)
}

// rawStatus is the status of a request whose answer is not checked
// against the OpenAPI document (a method it does not list).
func rawStatus(t *testing.T, e *env, method, path string) int {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	require.NoError(t, err)
	req.SetBasicAuth(userName("sup"), password)
	req.Header.Set("Content-Type", "application/json")
	res, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}
