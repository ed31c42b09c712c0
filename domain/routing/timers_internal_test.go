package routing

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// A process that only follows never asks what expired: an offer that
// ends must leave the timers at once, or every closed session would stay
// reachable from them.
func TestAFollowerKeepsNoTimerOfAnEndedOffer(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := New()
	b.SetQueue(Queue{Name: "Q", OfferTimeout: 30 * time.Second, Members: []string{"a"}})
	const n = 10000
	for i := range n {
		id, at := fmt.Sprint("s", i), t0.Add(time.Duration(i)*time.Second)
		b.Apply(id, 1, at, fb.SessionStarted{SessionID: id, Status: fb.StatusCompleted, QueueName: "Q"})
		b.Apply(id, 2, at, fb.SessionRouted{AgentID: "a", Decision: &fb.RoutingDecision{Queue: "Q", OfferTimeoutSeconds: 30}})
		b.Apply(id, 3, at, fb.OfferAccepted{AgentID: "a"})
		b.Apply(id, 4, at, fb.InteractionCompleted{SessionID: id})
	}
	require.Empty(t, b.sessions)
	require.Less(t, len(b.timers.h), 100, "closed sessions are still held by the timers heap")
}
