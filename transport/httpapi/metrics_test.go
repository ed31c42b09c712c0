package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// newMeteredEnv is newEnv with the API's metrics registered in reg.
func newMeteredEnv(t *testing.T, b *storetest.Backend, reg *prometheus.Registry) *env {
	t.Helper()
	ctx := context.Background()
	for _, u := range testUsers {
		require.NoError(t, b.Users.Add(ctx, u, password))
	}
	e := &env{t: t, store: b.Store, dir: b.Users, router: openAPIRouter(t)}
	e.srv = httptest.NewUnstartedServer(nil)
	e.baseURL = "http://" + e.srv.Listener.Addr().String()
	e.srv.Config.Handler = httpapi.New(httpapi.Config{
		Commands:    commands.NewHandler(b.Store, commands.WithAgents(b.Users)),
		Sessions:    sessionview.NewReader(b.Store),
		Transcripts: sessionview.NewTranscripts(b.Store),
		Auth: users.NewAuthenticator(b.Users, users.AuthenticatorConfig{
			PerName: users.BackoffConfig{Free: 1000}, PerAddress: users.BackoffConfig{Free: 1000},
		}),
		BaseURL:  e.baseURL,
		Registry: reg,
	})
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

// operations gathers fbsession_operations_total as operation/status_code →
// count.
func operations(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "fbsession_operations_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			require.Len(t, labels, 2, "operation and status_code only")
			out[labels["operation"]+"/"+labels["status_code"]] = m.GetCounter().GetValue()
		}
	}
	return out
}

// Every operation counts once under the statusCode its client was sent;
// reads are no operations, and made-up operation names, ids and paths add
// no series.
func TestOperationsCountedByNameAndStatusCode(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		reg := prometheus.NewPedanticRegistry()
		e := newMeteredEnv(t, b, reg)
		zero := map[string]float64{"intake/0": 0}
		for _, op := range append(fb.AgentOperations(), fb.IntegrationOperations()...) {
			zero[op+"/0"] = 0
		}
		require.Equal(t, zero, operations(t, reg), "successes exist at zero")

		e.start("m1", "a1")
		require.Equal(t, http.StatusConflict, e.do(http.MethodPost, "/api/v2/facebooksessions", "router", intakeSeed(t, "m1")).status)
		complete := map[string]any{"operationName": "Complete"}
		require.Equal(t, 200, e.do(http.MethodPost, "/api/v2/me/facebooksessions/m1", "a1", complete).status)
		require.Equal(t, http.StatusConflict, e.do(http.MethodPost, "/api/v2/me/facebooksessions/m1", "a1", complete).status)
		require.Equal(t, http.StatusUnauthorized, e.do(http.MethodPost, "/api/v2/me/facebooksession/m1", "", complete).status)
		require.Equal(t, http.StatusNotFound, e.do(http.MethodPost, "/api/v2/me/facebooksessions/nosuch", "a1", complete).status)
		require.Equal(t, 200, e.do(http.MethodGet, "/api/v2/me/facebooksessions/m1", "a1", nil).status)
		for i := range 20 {
			r := e.do(http.MethodPost, fmt.Sprintf("/api/v2/me/facebooksessions/x%d", i), "a1", map[string]any{"operationName": fmt.Sprintf("Op%d", i)})
			require.Equal(t, http.StatusBadRequest, r.status)
		}

		e.start("m2", "a1")
		require.Equal(t, 200, e.do(http.MethodPost, "/api/v2/facebooksessions/m2", "router", map[string]any{"operationName": "CustomerLeft"}).status)
		require.Equal(t, http.StatusConflict, e.do(http.MethodPost, "/api/v2/facebooksessions/m2", "router", map[string]any{"operationName": "Route", "agentId": "a2"}).status)

		want := map[string]float64{
			"intake/0":       2,
			"intake/18":      1,
			"Complete/0":     1,
			"Complete/2":     1,
			"Complete/6":     1,
			"CustomerLeft/0": 1,
			"Route/2":        1,
			"other/20":       1, // refused before its body was read
			"other/10":       20,
		}
		for k, v := range zero {
			if _, ok := want[k]; !ok {
				want[k] = v
			}
		}
		require.Equal(t, want, operations(t, reg))
	})
}
