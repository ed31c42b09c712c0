package cometd

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/users"
)

type noAuth struct{}

func (noAuth) Authenticate(context.Context, string, string, string) (users.User, error) {
	return users.User{}, users.ErrBadCredentials
}

func newTestServer(t *testing.T) *Server {
	t.Helper()
	nc := natstest.Connect(t, natstest.RunServer(t, "", 0).ClientURL())
	s, err := New(Config{NATS: nc, Auth: noAuth{}, Timeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// A connect that a newer one superseded is answered without the queue,
// which the newer one delivers.
func TestSupersededConnectLeavesTheQueue(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := newClient("c1", "a1", s.budget, time.Now())
	require.NoError(t, s.reg.add(c))
	older := s.beginConnect(&message{Channel: metaConnect, ClientID: "c1"}, c)
	newer := s.beginConnect(&message{Channel: metaConnect, ClientID: "c1"}, c)
	require.Empty(t, c.enqueue(dataMessage(Channel, []byte(`{"n":1}`)), 10, 1<<20))

	items, n := s.connectReply(older)
	s.endConnect(older)
	require.Zero(t, n)
	require.Len(t, items, 1, "the reply alone")
	require.Contains(t, string(items[0]), `"successful":true`)

	items, n = s.connectReply(newer)
	s.endConnect(newer)
	require.Equal(t, 1, n)
	require.Equal(t, `{"channel":"/v2/me/facebooksession","data":{"n":1}}`, string(items[0]))
	require.Zero(t, s.budget.queued.Load())
}

// A long poll whose request is gone takes nothing from the queue, even
// when messages are there.
func TestAbandonedLongPollTakesNothing(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := newClient("c1", "a1", s.budget, time.Now())
	require.NoError(t, s.reg.add(c))
	require.Empty(t, c.enqueue(dataMessage(Channel, []byte(`{"n":1}`)), 10, 1<<20))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v2/notifications", strings.NewReader(""))
	_, _, ok := s.longPoll(httptest.NewRecorder(), r, users.User{ID: "a1"}, &message{Channel: metaConnect, ClientID: "c1"}, true)
	require.False(t, ok)
	require.True(t, c.pending(), "the message waits for the next connect")
}
