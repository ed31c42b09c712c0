package cometd_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/transport/cometd"
	"github.com/fbsession/fbsession/users"
)

// fakeAuth knows agent1 and agent2 (password "pw"), both with the
// feature, and nofeature; err, when set, is every answer.
type fakeAuth struct{ err error }

func (a fakeAuth) Authenticate(_ context.Context, _, name, password string) (users.User, error) {
	if a.err != nil {
		return users.User{}, a.err
	}
	if password != "pw" {
		return users.User{}, users.ErrBadCredentials
	}
	switch name {
	case "agent1":
		return users.User{ID: "a1", UserName: name, Features: []string{users.FeatureMultimedia}}, nil
	case "agent2":
		return users.User{ID: "a2", UserName: name, Features: []string{users.FeatureMultimedia}}, nil
	case "nofeature":
		return users.User{ID: "nf", UserName: name}, nil
	}
	return users.User{}, users.ErrBadCredentials
}

type bundle struct {
	srv    *cometd.Server
	url    string
	nc     *nats.Conn
	prefix string
	reg    *prometheus.Registry
}

// setup serves a server on a fresh subject prefix of an in-process NATS;
// cfg's zero fields get the test's defaults (short timeouts).
func setup(t *testing.T, cfg cometd.Config) *bundle {
	t.Helper()
	url := natstest.RunServer(t, "", 0).ClientURL()
	nc := natstest.Connect(t, url)
	b := &bundle{nc: nc, prefix: natstest.Unique("cometd"), reg: prometheus.NewRegistry()}
	cfg.NATS, cfg.Prefix, cfg.Registerer = nc, b.prefix, b.reg
	if cfg.Auth == nil {
		cfg.Auth = fakeAuth{}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	srv, err := cometd.New(cfg)
	require.NoError(t, err)
	b.srv = srv
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	t.Cleanup(srv.Close)
	b.url = hs.URL + "/api/v2/notifications"
	return b
}

// publish sends a notification for user's session as the notifier does.
func (b *bundle) publish(t *testing.T, user, session, body string) {
	t.Helper()
	require.NoError(t, b.nc.Publish(b.prefix+".users."+user+".facebooksession."+session, []byte(body)))
	require.NoError(t, b.nc.Flush())
}

// reply is a server message as a test reads it.
type reply struct {
	Channel                  string          `json:"channel"`
	ID                       string          `json:"id"`
	ClientID                 string          `json:"clientId"`
	Successful               *bool           `json:"successful"`
	Error                    string          `json:"error"`
	Version                  string          `json:"version"`
	SupportedConnectionTypes []string        `json:"supportedConnectionTypes"`
	Subscription             json.RawMessage `json:"subscription"`
	Advice                   *struct {
		Reconnect   string `json:"reconnect"`
		Interval    int64  `json:"interval"`
		Timeout     int64  `json:"timeout"`
		MaxInterval int64  `json:"maxInterval"`
	} `json:"advice"`
	Data json.RawMessage `json:"data"`
}

func (r reply) ok() bool { return r.Successful != nil && *r.Successful }

// post sends a batch as user (no credentials when user is empty).
func (b *bundle) post(t *testing.T, user string, msgs ...map[string]any) []reply {
	t.Helper()
	status, body := b.postRaw(t, user, msgs...)
	require.Equal(t, http.StatusOK, status, "%s", body)
	var rs []reply
	require.NoError(t, json.Unmarshal(body, &rs), "%s", body)
	return rs
}

func (b *bundle) postRaw(t *testing.T, user string, msgs ...map[string]any) (int, []byte) {
	t.Helper()
	payload, err := json.Marshal(msgs)
	require.NoError(t, err)
	return b.postBody(t, user, string(payload))
}

func (b *bundle) postBody(t *testing.T, user, payload string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.url, strings.NewReader(payload))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	if user != "" {
		req.SetBasicAuth(user, "pw")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, body
}

func handshake() map[string]any {
	return map[string]any{"channel": "/meta/handshake", "id": "1", "version": "1.0",
		"supportedConnectionTypes": []string{"long-polling"}}
}

func connect(clientID string, timeout ...int) map[string]any {
	m := map[string]any{"channel": "/meta/connect", "id": "c", "clientId": clientID, "connectionType": "long-polling"}
	if len(timeout) > 0 {
		m["advice"] = map[string]any{"timeout": timeout[0]}
	}
	return m
}

func subscribe(clientID, channel string) map[string]any {
	return map[string]any{"channel": "/meta/subscribe", "id": "s", "clientId": clientID, "subscription": channel}
}

// client handshakes as user and subscribes to the channel.
func (b *bundle) client(t *testing.T, user string) string {
	t.Helper()
	rs := b.post(t, user, handshake())
	require.Len(t, rs, 1)
	require.True(t, rs[0].ok(), "%+v", rs[0])
	id := rs[0].ClientID
	rs = b.post(t, user, subscribe(id, cometd.Channel))
	require.True(t, rs[0].ok(), "%+v", rs[0])
	return id
}

// data is the data of the channel's messages among rs.
func data(rs []reply) []string {
	var d []string
	for _, r := range rs {
		if r.Channel == cometd.Channel {
			d = append(d, string(r.Data))
		}
	}
	return d
}

// last is the reply to the connect, which comes after the messages.
func last(t *testing.T, rs []reply) reply {
	t.Helper()
	require.NotEmpty(t, rs)
	return rs[len(rs)-1]
}

// metric is the value of the metric named name with the labels given
// as name=value pairs (the first series when none are given).
func metric(t *testing.T, b *bundle, name string, labels ...string) float64 {
	t.Helper()
	families, err := b.reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					found = found || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
				}
				if !found {
					continue series
				}
			}
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return 0
}

// removed is fbsession_cometd_clients_removed_total for reason.
func removed(t *testing.T, b *bundle, reason string) float64 {
	t.Helper()
	return metric(t, b, "fbsession_cometd_clients_removed_total", "reason", reason)
}

// posted is the outcome of a batch posted from another goroutine, for
// the test's own to assert on.
type posted struct {
	rs     []reply
	status int
	err    error
}

// postAsync posts a batch as user from another goroutine: its outcome
// comes on the channel, asserted on by the test's goroutine.
func (b *bundle) postAsync(user string, msgs ...map[string]any) <-chan posted {
	done := make(chan posted, 1)
	go func() {
		var p posted
		defer func() { done <- p }()
		payload, err := json.Marshal(msgs)
		if err != nil {
			p.err = err
			return
		}
		req, err := http.NewRequest(http.MethodPost, b.url, strings.NewReader(string(payload)))
		if err != nil {
			p.err = err
			return
		}
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
		req.SetBasicAuth(user, "pw")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			p.err = err
			return
		}
		defer res.Body.Close()
		p.status = res.StatusCode
		body, err := io.ReadAll(res.Body)
		if err != nil {
			p.err = err
			return
		}
		p.err = json.Unmarshal(body, &p.rs)
	}()
	return done
}

// await is the outcome of a postAsync, failing the test if it does not
// come within d or is not a Bayeux answer.
func await(t *testing.T, ch <-chan posted, d time.Duration) []reply {
	t.Helper()
	select {
	case p := <-ch:
		require.NoError(t, p.err)
		require.Equal(t, http.StatusOK, p.status)
		return p.rs
	case <-time.After(d):
		t.Fatalf("no answer within %s", d)
		return nil
	}
}

// waitHeld waits for n connects to be held (fbsession_cometd_connects_held).
func (b *bundle) waitHeld(t *testing.T, n float64) {
	t.Helper()
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_connects_held") == n },
		5*time.Second, 5*time.Millisecond, "connects held")
}

// waitSubscriptions waits for the server's NATS connection to hold n
// subscriptions: one per user with a subscribed client.
func (b *bundle) waitSubscriptions(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return b.nc.NumSubscriptions() == n },
		5*time.Second, 5*time.Millisecond, "NATS subscriptions: %d", b.nc.NumSubscriptions())
}

// mutableAuth knows agent1 (id a1), whose password and the error every
// answer gets can be changed.
type mutableAuth struct {
	mu       sync.Mutex
	password string
	err      error
}

func (a *mutableAuth) set(password string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.password, a.err = password, err
}

func (a *mutableAuth) Authenticate(_ context.Context, _, name, password string) (users.User, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.err != nil:
		return users.User{}, a.err
	case name != "agent1" || password != a.password:
		return users.User{}, users.ErrBadCredentials
	}
	return users.User{ID: "a1", UserName: name, Features: []string{users.FeatureMultimedia}}, nil
}
