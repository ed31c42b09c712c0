package fakegraph_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/messenger/fakegraph"
	"github.com/fbsession/fbsession/messenger/graph"
)

func TestProfiles(t *testing.T) {
	t.Parallel()
	f := fakegraph.New(fakegraph.Config{Profiles: map[string]graph.Profile{"PSID": {ID: "PSID", FirstName: "Vitaliy", LastName: "Onv"}}})
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := graph.New(srv.URL + "/v21.0")
	p, err := c.Profile(context.Background(), "PAGE_TOKEN", "PSID")
	require.NoError(t, err)
	require.Equal(t, "Vitaliy Onv", p.Name())

	_, err = c.Profile(context.Background(), "PAGE_TOKEN", "PHONE_ONLY")
	require.ErrorIs(t, err, graph.ErrNoProfile)
	var ge *graph.Error
	require.ErrorAs(t, err, &ge)
	require.Equal(t, graph.CodeNoProfile, ge.Code)
	require.NotContains(t, err.Error(), "PAGE_TOKEN")

	_, err = c.Profile(context.Background(), "", "PSID")
	require.ErrorAs(t, err, &ge)
	require.Equal(t, 190, ge.Code)
}

func TestSendsRecordedAndFailures(t *testing.T) {
	t.Parallel()
	f := fakegraph.New(fakegraph.Config{})
	srv := httptest.NewServer(f)
	defer srv.Close()
	send := func() int {
		resp, err := srv.Client().Post(srv.URL+"/v21.0/me/messages?access_token=T", "application/json",
			strings.NewReader(`{"recipient":{"id":"PSID"},"messaging_type":"RESPONSE","message":{"text":"hi","metadata":"our-id"}}`))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, 200, send())
	f.Fail(fakegraph.Failure{Code: 613, Count: 1})
	require.Equal(t, 400, send())
	require.Equal(t, 200, send())
	sends := f.Sends()
	require.Len(t, sends, 3)
	require.Equal(t, "T", sends[0].Token)
	require.Equal(t, "m_fake00000001", sends[0].MessageID)
	require.Equal(t, 613, sends[1].Error)
	require.Equal(t, "m_fake00000002", sends[2].MessageID)
}

func TestEchoDelayedAndDeliveredAgain(t *testing.T) {
	t.Parallel()
	var posts atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if posts.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the webhook down: Meta delivers again
		}
	}))
	defer hook.Close()
	f := fakegraph.New(fakegraph.Config{Webhook: hook.URL, AppSecret: []byte("s"), PageID: "P",
		EchoDelay: 100 * time.Millisecond, EchoRetry: 5 * time.Second})
	srv := httptest.NewServer(f)
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL+"/v21.0/me/messages?access_token=T", "application/json",
		strings.NewReader(`{"recipient":{"id":"PSID"},"messaging_type":"RESPONSE","message":{"text":"hi","metadata":"our-id"}}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Eventually(t, func() bool { return f.Sends()[0].EchoedAt != nil }, 5*time.Second, 10*time.Millisecond)
	s := f.Sends()[0]
	require.GreaterOrEqual(t, s.EchoedAt.Sub(s.At), 100*time.Millisecond, "held back EchoDelay")
	require.Equal(t, int32(2), posts.Load(), "delivered again after a 503")
}
