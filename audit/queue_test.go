package audit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queuelog"
)

// A queue's stream is in history with who changed it; verify compares its
// view with a fold of its events, and a rebuild makes that view again.
func TestQueueHistoryVerifyRebuild(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		h := commands.NewQueueHandler(e.store, nil)
		_, err := h.Add(ctx, commands.Request{Actor: "ops"}, queue.Add{Name: "Sales"})
		require.NoError(t, err)
		_, err = h.Execute(ctx, commands.Request{Actor: "alice"}, "Sales", queue.AddMembers{Agents: []string{"a1", "a2"}})
		require.NoError(t, err)
		_, err = h.Add(ctx, commands.Request{Actor: "ops"}, queue.Add{Name: "Gone"})
		require.NoError(t, err)
		_, err = h.Execute(ctx, commands.Request{Actor: "ops"}, "Gone", queue.Remove{})
		require.NoError(t, err)
		e.session(t, "s1", "Sales")

		entries, err := audit.QueueHistory(ctx, e.store, "Sales")
		require.NoError(t, err)
		require.Len(t, entries, 2)
		require.Equal(t, "QueueAdded", entries[0].Type)
		require.Equal(t, "ops", entries[0].Actor)
		require.Equal(t, "queue Sales added, id 1, offer timeout 30s, no answer sets NotReady", entries[0].Summary)
		require.Equal(t, "alice", entries[1].Actor)
		require.Equal(t, "members added: a1, a2", entries[1].Summary)
		require.NotZero(t, entries[1].ReferenceID)
		for _, entry := range entries {
			require.True(t, entry.Verified)
		}
		_, err = audit.QueueHistory(ctx, e.store, "Nope")
		require.ErrorIs(t, err, audit.ErrNoQueueHistory)

		report, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, report.OK(), "%+v", report.Problems)
		require.EqualValues(t, 3, report.Views, "the session's and both queues'")

		live := allViews(t, e.store)
		e.tamper(t, `UPDATE stream_views SET document = $1 WHERE stream_id = $2`, `{"id":"1","name":"Sales","offerTimeoutSeconds":30,"noAnswerNotReady":true,"members":["a9"]}`, queuelog.StreamID("Sales"))
		report, err = audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.Equal(t, 1, report.ProblemCount)
		require.Equal(t, queuelog.StreamID("Sales"), report.Problems[0].StreamID)

		r, err := audit.Rebuild(ctx, e.store, nil)
		require.NoError(t, err)
		require.EqualValues(t, 3, r.Streams)
		rebuilt := allViews(t, e.store)
		require.Len(t, rebuilt, len(live))
		for i := range live {
			// DetailVersion aside: a view without detail has none to date.
			require.Equal(t, live[i].StreamID, rebuilt[i].StreamID)
			require.Equal(t, live[i].Version, rebuilt[i].Version)
			require.Equal(t, live[i].ListKey, rebuilt[i].ListKey, live[i].StreamID)
			require.Equal(t, string(live[i].Document), string(rebuilt[i].Document), "the rebuild made the views as the appends did")
		}
		s, err := h.Queues().Lookup(ctx, "Sales")
		require.NoError(t, err)
		require.Equal(t, []string{"a1", "a2"}, s.Members)
		_, err = h.Queues().Lookup(ctx, "Gone")
		require.ErrorIs(t, err, queue.ErrUnknownQueue, "a removed queue's view stays unlisted")
		view, err := e.store.View(ctx, &eventstore.ViewParams{StreamID: queuelog.StreamID("Gone")})
		require.NoError(t, err)
		require.Empty(t, view.ListKey)
	})
}
