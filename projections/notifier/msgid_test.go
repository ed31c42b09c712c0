package notifier_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections/notifier"
)

// With a key, a message id cannot be derived from what a subscriber sees
// (the session id and its version), yet every process with the key gives
// a change the same id, so re-publishes are still dropped.
func TestKeyedMessageIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newSQLiteStore(t)
	f := &fixture{t: t, store: store, cmds: commands.NewHandler(store), prefix: "gws.v2"}
	f.start("s1", "a1")
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)

	ids := func(key string) []string {
		n, err := notifier.New(notifier.Config{Store: store, MsgIDKey: []byte(key)})
		require.NoError(t, err)
		msgs, err := n.Messages(ctx, feed)
		require.NoError(t, err)
		require.Len(t, msgs, 2)
		return []string{msgs[0].Header.Get(jetstream.MsgIDHeader), msgs[1].Header.Get(jetstream.MsgIDHeader)}
	}
	// The agent's message keeps the form a change's id had when it was
	// one message; the integration side's copy has its own. Both end with
	// the change's tag (see TestMessageIDIsTheChanges).
	plain := ids("")
	require.Equal(t, []string{"facebooksession-s1:1", "facebooksession-s1:1:1:integration"}, []string{unchanged(plain[0]), unchanged(plain[1])})
	keyed := ids("k1")
	for _, id := range keyed {
		require.NotContains(t, id, "s1")
		require.Len(t, id, 32)
		require.False(t, strings.Contains(id, ":"))
	}
	require.NotEqual(t, keyed[0], keyed[1])
	require.Equal(t, keyed, ids("k1"), "the same key gives the same ids in every process")
	other := ids("k2")
	require.NotEqual(t, keyed[0], other[0])
	require.NotEqual(t, keyed[1], other[1])
}
