package commands_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
)

// slowKeep holds the Route's caller between its append and its return.
type slowKeep struct {
	eventstore.Driver
	appended, release chan struct{}
}

func (s *slowKeep) Append(ctx context.Context, p *eventstore.AppendParams) (*eventstore.AppendResult, error) {
	res, err := s.Driver.Append(ctx, p)
	if len(p.Events) > 0 && p.Events[0].Type == fb.TypeSessionRouted {
		close(s.appended)
		<-s.release
	}
	return res, err
}

// A Route whose caller comes back after the Accept that followed it must
// not leave its older state kept: the agent's Complete would be refused
// on it, again and again.
func TestAStateKeptLateDoesNotReplaceANewerOne(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	st := &slowKeep{Driver: b.Store, appended: make(chan struct{}), release: make(chan struct{})}
	h := commands.NewHandler(st)
	ctx := context.Background()
	_, err := h.Start(ctx, commands.Request{Actor: "connector"}, fb.Start{SessionID: "s1", QueueName: "Q"})
	require.NoError(t, err)
	routed := make(chan error)
	go func() {
		_, err := h.Operate(ctx, commands.Request{Actor: "router"}, "s1", fb.Route{AgentID: "a1"})
		routed <- err
	}()
	<-st.appended // v2 SessionRouted committed; the router's goroutine not yet back
	_, err = h.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Accept{By: "a1", Nickname: "a1"})
	require.NoError(t, err) // v3 OfferAccepted
	close(st.release)
	require.NoError(t, <-routed)
	_, err = h.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
	require.NoError(t, err, "the session is Chatting in the log")
}

// A state kept by one process is refused nothing that another process
// made valid since: the refusal is checked against the log.
func TestARefusalOnAKeptStateIsCheckedAgainstTheLog(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		one, other := commands.NewHandler(b.Store), commands.NewHandler(b.Store)
		_, err := one.Start(ctx, commands.Request{Actor: "connector"}, fb.Start{SessionID: "s1", AgentID: "a1"})
		require.NoError(t, err) // one keeps it Invited
		_, err = other.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Accept{By: "a1", Nickname: "a1"})
		require.NoError(t, err)
		_, err = one.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
		require.NoError(t, err, "Chatting in the log, Invited in one's cache")
		_, err = one.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
		require.ErrorIs(t, err, fb.ErrInvalidState, "a refusal the log confirms stands")
	})
}
