package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// figures are fixed live figures, as the router would count them.
type figures map[string]queue.Figures

func (f figures) QueueFigures(name string) queue.Figures { return f[name] }

// newQueueEnv is newEnv with the queues read from the store, and figures
// when not nil.
func newQueueEnv(t *testing.T, b *storetest.Backend, f httpapi.QueueFigures) (*env, *commands.QueueHandler) {
	t.Helper()
	ctx := context.Background()
	for _, u := range testUsers {
		require.NoError(t, b.Users.Add(ctx, u, password))
	}
	queues := commands.NewQueueHandler(b.Store, b.Users)
	e := &env{t: t, store: b.Store, dir: b.Users, router: openAPIRouter(t)}
	e.srv = httptest.NewUnstartedServer(nil)
	e.baseURL = "http://" + e.srv.Listener.Addr().String()
	e.srv.Config.Handler = httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store, commands.WithAgents(b.Users)),
		Agents:   commands.NewAgentHandler(b.Store, commands.WithAgents(b.Users)),
		Sessions: sessionview.NewReader(b.Store),
		Auth: users.NewAuthenticator(b.Users, users.AuthenticatorConfig{
			PerName: users.BackoffConfig{Free: 1000}, PerAddress: users.BackoffConfig{Free: 1000},
		}),
		BaseURL:        e.baseURL,
		Queues:         queues.Queues(),
		QueueFigures:   f,
		RequestTimeout: 15 * time.Second,
	})
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e, queues
}

func TestQueuesResource(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		e, h := newQueueEnv(t, b, figures{"Sales": {Waiting: 1, OldestWaitSeconds: 12, AgentsReady: 2, AgentsBusy: 2}})
		r := commands.Request{Actor: "ops"}
		sales, err := h.Add(ctx, r, queue.Add{Name: "Sales"})
		require.NoError(t, err)
		_, err = h.Execute(ctx, r, "Sales", queue.AddMembers{Agents: []string{"a2", "a1"}})
		require.NoError(t, err)
		post, err := h.Add(ctx, r, queue.Add{Name: "Post Processing", OfferTimeoutSeconds: 60, NoAnswerNotReady: new(bool)})
		require.NoError(t, err)
		gone, err := h.Add(ctx, r, queue.Add{Name: "Gone"})
		require.NoError(t, err)
		_, err = h.Execute(ctx, r, "Gone", queue.Remove{})
		require.NoError(t, err)

		// Any authenticated user: an agent without the feature, the
		// integration side.
		for _, as := range []string{"a1", "nofeat", "router", "sup"} {
			res := e.do(http.MethodGet, "/api/v2/queues", as, nil)
			require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
			require.JSONEq(t, `{"statusCode":0,"uris":["`+e.baseURL+`/api/v2/queues/`+post.State.ID+`","`+e.baseURL+`/api/v2/queues/`+sales.State.ID+`"]}`, string(res.raw))
		}
		res := e.do(http.MethodGet, "/api/v2/queues", "", nil)
		require.Equal(t, http.StatusUnauthorized, res.status)

		want := `{"id":"` + sales.State.ID + `","name":"Sales","channel":"facebooksession","uri":"` + e.baseURL + `/api/v2/queues/` + sales.State.ID + `",
			"members":["a1","a2"],"offerTimeoutSeconds":30,"noAnswerNotReady":true,"waiting":1,"oldestWaitSeconds":12,"agentsReady":2,"agentsBusy":2}`
		res = e.do(http.MethodGet, "/api/v2/queues?fields=*", "a1", nil)
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		require.JSONEq(t, `{"statusCode":0,"queues":[
			{"id":"`+post.State.ID+`","name":"Post Processing","channel":"facebooksession","uri":"`+e.baseURL+`/api/v2/queues/`+post.State.ID+`",
			 "members":[],"offerTimeoutSeconds":60,"noAnswerNotReady":false,"waiting":0,"oldestWaitSeconds":0,"agentsReady":0,"agentsBusy":0},
			`+want+`]}`, string(res.raw))
		res = e.do(http.MethodGet, "/api/v2/queues?fields=name,waiting", "a1", nil)
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		require.Equal(t, `{"statusCode":0,"queues":[{"name":"Post Processing","waiting":0},{"name":"Sales","waiting":1}]}`, strings.TrimSpace(string(res.raw)))

		// By id, by name, by escaped name.
		for _, path := range []string{sales.State.ID, "Sales"} {
			res = e.do(http.MethodGet, "/api/v2/queues/"+path, "a2", nil)
			require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
			require.JSONEq(t, `{"statusCode":0,"queue":`+want+`}`, string(res.raw))
		}
		res = e.do(http.MethodGet, "/api/v2/queues/Post%20Processing?fields=id,offerTimeoutSeconds", "a2", nil)
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		require.Equal(t, `{"statusCode":0,"queue":{"id":"`+post.State.ID+`","offerTimeoutSeconds":60}}`, strings.TrimSpace(string(res.raw)), "the queue's order")

		// Removed, unknown, another case: not found, as any resource.
		for _, path := range []string{"Gone", gone.State.ID, "sales", "99", "a%2Fb"} {
			res = e.do(http.MethodGet, "/api/v2/queues/"+path, "a1", nil)
			require.Equal(t, http.StatusNotFound, res.status, path)
			require.JSONEq(t, `{"statusCode":6,"statusMessage":"Not found"}`, string(res.raw))
		}
		res = e.do(http.MethodGet, "/api/v2/queues?fields=state", "a1", nil)
		require.Equal(t, http.StatusBadRequest, res.status)
		require.Equal(t, 10, res.code())
		res = e.do(http.MethodGet, "/api/v2/queues/Sales?fields=id,nope", "a1", nil)
		require.Equal(t, http.StatusBadRequest, res.status)
	})
}

// Without a figures counter the figures are 0.
func TestQueuesWithoutRouterOrQueues(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		e, h := newQueueEnv(t, b, nil)
		_, err := h.Add(context.Background(), commands.Request{Actor: "ops"}, queue.Add{Name: "Q"})
		require.NoError(t, err)
		res := e.do(http.MethodGet, "/api/v2/queues/Q?fields=waiting,oldestWaitSeconds,agentsReady,agentsBusy", "a1", nil)
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		require.JSONEq(t, `{"statusCode":0,"queue":{"waiting":0,"oldestWaitSeconds":0,"agentsReady":0,"agentsBusy":0}}`, string(res.raw))

	})
}

// Without queues configured the list is empty and every queue unknown.
func TestQueuesNotConfigured(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		res := e.do(http.MethodGet, "/api/v2/queues", "a1", nil)
		require.Equal(t, http.StatusOK, res.status)
		require.JSONEq(t, `{"statusCode":0,"uris":[]}`, string(res.raw))
		res = e.do(http.MethodGet, "/api/v2/queues?fields=*", "a1", nil)
		require.JSONEq(t, `{"statusCode":0,"queues":[]}`, string(res.raw))
		res = e.do(http.MethodGet, "/api/v2/queues/Q", "a1", nil)
		require.Equal(t, http.StatusNotFound, res.status)
	})
}
