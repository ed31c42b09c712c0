package fakegraph_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

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
