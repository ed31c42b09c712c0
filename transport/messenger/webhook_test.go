package messenger_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/messenger"
	"github.com/fbsession/fbsession/transport/httpapi"
	transport "github.com/fbsession/fbsession/transport/messenger"
)

const secret = "app-secret"

// Meta's text message example.
const textDelivery = `{"object":"page","entry":[{"id":"PAGE_ID","time":1458692752478,"messaging":[{"sender":{"id":"PSID"},"recipient":{"id":"PAGE_ID"},"timestamp":1458692752478,"message":{"mid":"mid.1457764197618:41d102a3e1ae206a38","text":"hello, world!"}}]}]}`

// serve runs the webhook inside the API's server, as fbsessiond does.
func serve(t *testing.T, store eventstore.Store, appSecret string) (*httptest.Server, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	h, err := transport.New(transport.Config{Store: store, AppSecret: []byte(appSecret), VerifyToken: "verify-me", Metrics: transport.NewMetrics(reg)})
	require.NoError(t, err)
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Messenger: h, Registry: reg}))
	t.Cleanup(srv.Close)
	return srv, reg
}

func post(t *testing.T, srv *httptest.Server, body, signature string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+transport.Path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(messenger.SignatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func feed(t *testing.T, store eventstore.Store) []eventstore.RecordedEvent {
	events, err := store.ReadFeed(context.Background(), &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	return events
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		srv, reg := serve(t, b.Store, secret)

		// Verification.
		get := func(q url.Values) (int, string) {
			resp, err := http.Get(srv.URL + transport.Path + "?" + q.Encode())
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		status, body := get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"verify-me"}, "hub.challenge": {"1158201444"}})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "1158201444", body)
		status, _ = get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"wrong"}, "hub.challenge": {"1"}})
		require.Equal(t, http.StatusForbidden, status)
		status, _ = get(url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {"verify-me"}, "hub.challenge": {"1"}})
		require.Equal(t, http.StatusForbidden, status)

		// Unsigned and forged: 403, nothing recorded.
		status, _ = post(t, srv, textDelivery, "")
		require.Equal(t, http.StatusForbidden, status)
		status, _ = post(t, srv, textDelivery, messenger.Sign([]byte("not-the-secret"), []byte(textDelivery)))
		require.Equal(t, http.StatusForbidden, status)
		require.Empty(t, feed(t, b.Store))

		// Signed: stored, then 200.
		status, body = post(t, srv, textDelivery, messenger.Sign([]byte(secret), []byte(textDelivery)))
		require.Equal(t, http.StatusOK, status, body)
		events := feed(t, b.Store)
		require.Len(t, events, 1)
		require.Equal(t, messenger.TypeDeliveryReceived, events[0].Type)
		rec, err := messenger.DecodeDelivery(events[0].Data)
		require.NoError(t, err)
		require.JSONEq(t, textDelivery, string(rec.Body))

		// Signed but not Messenger: 200, recorded as refused.
		other := `{"object":"instagram","entry":[]}`
		status, _ = post(t, srv, other, messenger.Sign([]byte(secret), []byte(other)))
		require.Equal(t, http.StatusOK, status)
		events = feed(t, b.Store)
		require.Len(t, events, 2)
		require.Equal(t, messenger.TypeDeliveryRefused, events[1].Type)

		// Over 64 KiB (the API's limit) and under 1 MiB: stored.
		big := `{"object":"page","entry":[],"pad":"` + strings.Repeat("x", 100<<10) + `"}`
		status, _ = post(t, srv, big, messenger.Sign([]byte(secret), []byte(big)))
		require.Equal(t, http.StatusOK, status)
		// Over 1 MiB: 413.
		huge := `{"object":"page","entry":[],"pad":"` + strings.Repeat("x", 1<<20) + `"}`
		status, _ = post(t, srv, huge, messenger.Sign([]byte(secret), []byte(huge)))
		require.Equal(t, http.StatusRequestEntityTooLarge, status)

		m := func(outcome string) float64 {
			return metric(t, reg, outcome)
		}
		require.Equal(t, 2.0, m(transport.OutcomeStored))
		require.Equal(t, 1.0, m(transport.OutcomeRefused))
		require.Equal(t, 2.0, m(transport.OutcomeForbidden))
		require.Equal(t, 1.0, m(transport.OutcomeTooLarge))
	})
}

func TestWebhookWithoutSecret(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	srv, _ := serve(t, b.Store, "")
	status, _ := post(t, srv, textDelivery, messenger.Sign(nil, []byte(textDelivery)))
	require.Equal(t, http.StatusForbidden, status)
	status, _ = post(t, srv, textDelivery, messenger.Sign([]byte(secret), []byte(textDelivery)))
	require.Equal(t, http.StatusForbidden, status)
	require.Empty(t, feed(t, b.Store))
}

func TestWebhookOff(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(httpapi.New(httpapi.Config{}))
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+transport.Path, "application/json", strings.NewReader(textDelivery))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestWebhookStoreDown: a store that fails answers 503, so that Meta
// delivers again.
func TestWebhookStoreDown(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	srv, _ := serve(t, failing{b.Store}, secret)
	status, _ := post(t, srv, textDelivery, messenger.Sign([]byte(secret), []byte(textDelivery)))
	require.Equal(t, http.StatusServiceUnavailable, status)
}

type failing struct{ eventstore.Store }

func (failing) Append(context.Context, *eventstore.AppendParams) (*eventstore.AppendResult, error) {
	return nil, eventstore.ErrUnavailable
}

func metric(t *testing.T, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "fbsession_messenger_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no %s series", outcome)
	return 0
}
