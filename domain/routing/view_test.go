package routing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/domain/routing"
)

// A supervisor sees each live session in its state since it entered it,
// oldest first, bounded, and each agent's held sessions.
func TestSupervisorView(t *testing.T) {
	t.Parallel()
	b := floor(t)
	v := map[string]int64{}
	at := func(s int) time.Time { return t0.Add(time.Minute + time.Duration(s)*time.Second) }
	for i, id := range []string{"s1", "s2", "s3", "s4", "s5", "s6"} {
		intake(b, id, at(i))
		v[id] = 1
	}
	// Started with an agent, chatting at once; and one never queued.
	b.Apply("d1", 1, at(1), fb.SessionStarted{SessionID: "d1", AgentID: "b", Status: fb.StatusChatting})
	b.Apply("n1", 1, at(2), fb.SessionStarted{SessionID: "n1", Status: fb.StatusCompleted})
	offers := routeAll(b, at(10), v)
	require.Equal(t, []string{"s1->a", "s2->b", "s3->a"}, agentsOf(offers), "b holds d1 already")
	v["s1"]++
	b.Apply("s1", v["s1"], at(20), fb.OfferAccepted{AgentID: "a"})
	v["s2"]++
	b.Apply("s2", v["s2"], at(21), fb.OfferRejected{AgentID: "b"})
	v["s6"]++
	b.Apply("s6", v["s6"], at(22), fb.InteractionCompleted{})

	list, total := b.Sessions(100)
	require.Equal(t, 7, total)
	require.Equal(t, []routing.Live{
		{ID: "d1", State: "Chatting", AgentID: "b", Since: at(1)},
		{ID: "s2", State: routing.StateWaiting, Queue: "Q", Since: at(1)},
		{ID: "n1", State: routing.StateWaiting, Since: at(2)},
		{ID: "s4", State: routing.StateWaiting, Queue: "Q", Since: at(3)},
		{ID: "s5", State: routing.StateWaiting, Queue: "Q", Since: at(4)},
		{ID: "s3", State: "Invited", Queue: "Q", AgentID: "a", Since: at(10)},
		{ID: "s1", State: "Chatting", Queue: "Q", AgentID: "a", Since: at(20)},
	}, list)
	for n := range 8 {
		got, total := b.Sessions(n)
		require.Equal(t, 7, total)
		require.Len(t, got, min(n, 7))
		if n > 0 {
			require.Equal(t, list[:n], got, "the %d oldest", n)
		}
	}

	held := b.Held([]string{"a", "b", "c"}, 10)
	require.Equal(t, map[string][]routing.Live{
		"a": {list[5], list[6]},
		"b": {list[0]},
	}, held)
	require.Equal(t, map[string][]routing.Live{"a": {list[5]}}, b.Held([]string{"a"}, 1), "bounded per agent, oldest kept")
}
