package notifier_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections/notifier"
)

// The notifier's cache is bounded in bytes: of sessions with large
// comments (user data it does not keep) it keeps only as many as its budget
// holds, the most recent, and reads the others' streams at their next
// change, building the same notifications.
func TestNotifierCacheIsBoundedInBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newSQLiteStore(t)
	cmds := commands.NewHandler(store)
	userData := fmt.Sprintf(`{"v":%q}`, strings.Repeat("x", 10_000))
	comment := strings.Repeat("c", fb.MaxCommentLength-1)
	const sessions = 5
	for i := range sessions {
		_, err := cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: fmt.Sprint("s", i), AgentID: "a1", UserData: []byte(userData), Comment: comment})
		require.NoError(t, err)
	}
	for i := range sessions {
		_, err := cmds.Operate(ctx, commands.Request{Actor: "a1"}, fmt.Sprint("s", i), fb.Complete{By: "a1"})
		require.NoError(t, err)
	}
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	intakes, completes := feed[:sessions], feed[sessions:]

	var want []string
	for _, budget := range []struct {
		bytes, reads int
	}{{bytes: 100 << 20, reads: 0}, {bytes: 10_000, reads: sessions - 2}} {
		counting := viewsMovedOn(store)
		n, err := notifier.New(notifier.Config{Store: counting, CachedBytes: budget.bytes})
		require.NoError(t, err)
		_, err = n.Messages(ctx, intakes)
		require.NoError(t, err)
		msgs, err := n.Messages(ctx, completes)
		require.NoError(t, err)
		require.Equal(t, int64(budget.reads), counting.streams.Load(), "budget %d", budget.bytes)
		var got []string
		for _, m := range msgs {
			got = append(got, string(m.Data))
		}
		if want == nil {
			want = got
		}
		require.Equal(t, want, got)
		require.Contains(t, got[0], userData)
	}
}
