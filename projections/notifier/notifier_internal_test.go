package notifier

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

// viewsAhead reads views a version ahead, as when later changes landed:
// the notifier folds the changes before them.
type viewsAhead struct{ eventstore.Driver }

func (s viewsAhead) ReadViews(ctx context.Context, p *eventstore.ReadViewsParams) ([]eventstore.StreamView, error) {
	views, err := s.Driver.ReadViews(ctx, p)
	for i := range views {
		views[i].Version++
	}
	return views, err
}

// TestNotifierDoesNotTrustAStateOfAnotherVersion: a followed state serves
// only the change right after it. One of another version (the lease moved
// to another process and back meanwhile) is read afresh.
func TestNotifierDoesNotTrustAStateOfAnotherVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := storetest.SQLite(t, storetest.Options{}).Store
	cmds := commands.NewHandler(store)
	_, err := cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1"})
	require.NoError(t, err)
	_, err = cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
	require.NoError(t, err)
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	require.Len(t, feed, 3)

	n, err := New(Config{Store: viewsAhead{store}})
	require.NoError(t, err)
	n.planner.states.sessions.Add(sessionlog.StreamID("s1"), sessionview.Snapshot{Version: 7, State: fb.State{ID: "s1", AgentID: "intruder", Status: fb.StatusChatting}}.Slimmed())
	msgs, err := n.Messages(ctx, feed[1:])
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	require.Equal(t, "gws.v2.users.a1.facebooksession.s1", msgs[0].Subject)
	require.Equal(t, "gws.v2.integration.facebooksession.s1", msgs[1].Subject)

	// At the right version, the followed state is what the change builds on.
	n.planner.states.sessions.Add(sessionlog.StreamID("s1"), sessionview.Snapshot{Version: 1, State: fb.State{ID: "s1", AgentID: "a9", Status: fb.StatusChatting}}.Slimmed())
	msgs, err = n.Messages(ctx, feed[1:])
	require.NoError(t, err)
	require.Equal(t, "gws.v2.users.a9.facebooksession.s1", msgs[0].Subject)
}

// An Accept's catch-up is the transcript's end: at most so many
// messages and bytes, the last message always, in order.
func TestCatchUpIsTheTranscriptsEnd(t *testing.T) {
	t.Parallel()
	var said []fb.Said
	for i := 1; i <= 10; i++ {
		said = append(said, fb.Said{Message: fb.Message{Index: i, Text: strings.Repeat("x", 100*i)}, FromType: fb.ParticipantCustomer})
	}
	all, err := catchUp(said, 50, 1<<20)
	require.NoError(t, err)
	require.Len(t, all, 10)
	last3, err := catchUp(said, 3, 1<<20)
	require.NoError(t, err)
	require.Equal(t, []int{8, 9, 10}, indexes(last3))
	bounded, err := catchUp(said, 50, 2500)
	require.NoError(t, err)
	b, err := json.Marshal(bounded)
	require.NoError(t, err)
	require.LessOrEqual(t, len(b), 2500)
	require.Equal(t, []int{9, 10}, indexes(bounded))
	single, err := catchUp(said, 50, 10)
	require.NoError(t, err)
	require.Equal(t, []int{10}, indexes(single), "the last message goes, whatever its size")
}

func indexes(msgs []gws.Message) []int {
	out := make([]int, len(msgs))
	for i, m := range msgs {
		out[i] = m.Index
	}
	return out
}

func TestChanges(t *testing.T) {
	t.Parallel()
	ev := func(stream string, commit uint64, pos int64) eventstore.RecordedEvent {
		return eventstore.RecordedEvent{StreamID: stream, Commit: commit, Position: pos}
	}
	page := []eventstore.RecordedEvent{ev("a", 1, 1), ev("a", 1, 2), ev("b", 1, 3), ev("a", 2, 4)}
	got := changes(page)
	require.Equal(t, [][]eventstore.RecordedEvent{page[:2], page[2:3], page[3:]}, got)
	require.Empty(t, changes(nil))
}
