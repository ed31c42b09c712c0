package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// Made-up methods and paths all fall in one "other" series each, so that a
// client cannot grow the metrics (and the memory) without bound.
func TestMetricsLabelsAreAClosedSet(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store), Sessions: sessionview.NewReader(b.Store),
		Auth: users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}), Registry: reg,
	}))
	t.Cleanup(srv.Close)
	for i := range 300 {
		method := []string{fmt.Sprintf("M%d", i), http.MethodGet, http.MethodDelete}[i%3]
		req, err := http.NewRequest(method, fmt.Sprintf("%s/made/up/%d", srv.URL, i), nil)
		require.NoError(t, err)
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	res, err := srv.Client().Get(srv.URL + "/healthz")
	require.NoError(t, err)
	res.Body.Close()

	families, err := reg.Gather()
	require.NoError(t, err)
	labels := map[string]bool{}
	series := 0
	for _, f := range families {
		if f.GetName() != "fbsession_http_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			series++
			for _, l := range m.GetLabel() {
				labels[l.GetName()+"="+l.GetValue()] = true
			}
		}
	}
	require.LessOrEqual(t, series, 6, "series: %v", labels)
	require.True(t, labels["method=other"], "%v", labels)
	require.True(t, labels["route=other"], "%v", labels)
	require.True(t, labels["route=/healthz"], "%v", labels)
}

// The X-Request-Id stored in every event is the client's only when short
// and of a safe alphabet; otherwise the API makes one.
func TestRequestIDFromClientIsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t, storetest.Options{}))
	metadata := func(id string) sessionlog.Metadata {
		events, err := e.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
		require.NoError(t, err)
		m, err := sessionlog.DecodeMetadata(events[len(events)-1].Metadata)
		require.NoError(t, err)
		return m
	}
	good := "7f1c2a9e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
	e.start("s0", "a1")
	r := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s0", "a1", `{"operationName":"Complete"}`, "X-Request-Id", good)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, good, r.header.Get("X-Request-Id"))
	require.Equal(t, good, metadata("s0").RequestID)

	for i, bad := range []string{strings.Repeat("x", 129), strings.Repeat("y", 200<<10), "id with spaces", "id\u202Egnp", "<script>"} {
		id := fmt.Sprintf("s%d", i+1)
		e.start(id, "a1")
		r := e.do(http.MethodPost, "/api/v2/me/facebooksessions/"+id, "a1", `{"operationName":"Complete"}`, "X-Request-Id", bad)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		got := r.header.Get("X-Request-Id")
		require.NotEqual(t, bad, got)
		require.NotEmpty(t, got)
		require.LessOrEqual(t, len(got), 128)
		require.Equal(t, got, metadata(id).RequestID)
	}
}

// A body a browser can send cross-site without a preflight (text/plain,
// forms) is refused before it reaches the operation.
func TestBodiesMustBeDeclaredJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t, storetest.Options{}))
	e.start("s1", "a1")
	for _, ct := range []string{"text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x", "application/json; charset=iso-8859-1", "application/jsonx", ""} {
		r := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`, "Content-Type", ct)
		require.Equal(t, http.StatusUnsupportedMediaType, r.status, "%q: %s", ct, r.raw)
		require.Equal(t, 10, r.code())
	}
	r := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", `{"agentId":"a1"}`, "Content-Type", "text/plain")
	require.Equal(t, http.StatusUnsupportedMediaType, r.status, "%s", r.raw)
	require.Equal(t, []string{"SessionStarted"}, e.types("s1"))

	r = e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", `{"operationName":"Complete"}`, "Content-Type", "application/json; charset=UTF-8")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
}

// Bodies two JSON readers could take differently are refused, and change
// nothing.
func TestAmbiguousBodiesAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t, storetest.Options{}))
	e.start("s1", "a1")
	for _, body := range []string{
		`{"OPERATIONNAME":"Complete"}`,
		`{"operationName":"Complete","operationName":"Complete"}`,
		`{"operationName":"Complete","queueName":"q\ud800"}`,
	} {
		r := e.do(http.MethodPost, "/api/v2/me/facebooksessions/s1", "a1", body)
		require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", body, r.raw)
		require.Equal(t, 10, r.code(), body)
	}
	require.Equal(t, []string{"SessionStarted"}, e.types("s1"))
	for i, userData := range []string{`{"a":1,"a":2}`, `{"a":1e999999}`, `{"a":"\ud800"}`, `{"a":"` + strings.Repeat("x", 17<<10) + `"}`} {
		id := fmt.Sprintf("u%d", i)
		r := e.do(http.MethodPost, "/api/v2/facebooksessions", "router", `{"id":"`+id+`","agentId":"a1","userData":`+userData+`}`)
		require.Equal(t, http.StatusBadRequest, r.status, "%.80s: %s", userData, r.raw)
		require.Equal(t, 10, r.code())
		require.Empty(t, e.types(id))
	}
}

// /readyz answers without login, so it names no host, port or user.
func TestReadyzHidesDriverErrors(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: commands.NewHandler(b.Store), Sessions: sessionview.NewReader(b.Store),
		Auth: users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}),
		Ready: map[string]func(context.Context) error{
			"store": func(ctx context.Context) error {
				var d net.Dialer
				c, err := d.DialContext(ctx, "tcp", "127.0.0.1:1") // nothing listens there
				if err == nil {
					c.Close()
				}
				return fmt.Errorf("postgres://dbadmin@127.0.0.1:1/fbsession: %w", err)
			},
		},
	}))
	t.Cleanup(srv.Close)
	res, err := srv.Client().Get(srv.URL + "/readyz")
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.JSONEq(t, `{"status":"unavailable","store":"unavailable","store_writes":"ok"}`, string(raw))
}
