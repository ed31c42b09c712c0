package routing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/domain/routing"
)

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

// floor is a board with queue Q of agents a and b, both Ready, each with
// capacity 2, a Ready first.
func floor(t *testing.T) *routing.Board {
	t.Helper()
	b := routing.New()
	b.SetQueue(routing.Queue{Name: "Q", OfferTimeout: 30 * time.Second, NoAnswerNotReady: true, Members: []string{"b", "a"}})
	for i, id := range []string{"a", "b"} {
		b.AgentStarted(id)
		b.AgentCapacity(id, 2)
		b.AgentReady(id, t0.Add(time.Duration(i)*time.Second))
	}
	return b
}

// intake queues session id to Q at at.
func intake(b *routing.Board, id string, at time.Time) {
	b.Apply(id, 1, at, fb.SessionStarted{SessionID: id, Status: fb.StatusCompleted, QueueName: "Q"})
}

// routeAll takes every offer the board makes at now and folds it back
// as the log shows it: the session's next version.
func routeAll(b *routing.Board, now time.Time, versions map[string]int64) []routing.Offer {
	offers := b.Next(now, 100)
	for _, o := range offers {
		versions[o.SessionID]++
		b.Apply(o.SessionID, versions[o.SessionID], now, fb.SessionRouted{AgentID: o.AgentID, Decision: &o.Decision})
	}
	return offers
}

func agentsOf(offers []routing.Offer) []string {
	out := make([]string, len(offers))
	for i, o := range offers {
		out[i] = o.SessionID + "->" + o.AgentID
	}
	return out
}

func TestTheWalk(t *testing.T) {
	t.Parallel()
	b := floor(t)
	v := map[string]int64{}
	for i, id := range []string{"s1", "s2", "s3", "s4", "s5"} {
		intake(b, id, t0.Add(time.Minute+time.Duration(i)*time.Second))
		v[id] = 1
	}
	now := t0.Add(2 * time.Minute)
	offers := routeAll(b, now, v)
	// Oldest first, each to the member idle longest: a, b, then a and b
	// again, the last offer making each idle since now.
	require.Equal(t, []string{"s1->a", "s2->b", "s3->a", "s4->b"}, agentsOf(offers))
	f := b.Figures("Q", now)
	require.Equal(t, routing.Figures{Waiting: 1, OldestWait: now.Sub(t0.Add(time.Minute + 4*time.Second)), AgentsReady: 2, AgentsBusy: 2}, f)

	d := offers[0].Decision
	require.Equal(t, "Q", d.Queue)
	require.Equal(t, routing.Rule, d.Rule)
	require.Equal(t, 30, d.OfferTimeoutSeconds)
	require.Equal(t, 2, d.Members)
	require.Equal(t, []fb.Candidate{
		{AgentID: "a", Status: "Ready", Load: 0, Capacity: 2, IdleSince: t0, Chosen: true},
		{AgentID: "b", Status: "Ready", Load: 0, Capacity: 2, IdleSince: t0.Add(time.Second)},
	}, d.Candidates)
	require.Equal(t, fb.ReasonFull, offers[3].Decision.Candidates[1].Reason, "a holds two offers when s4 is weighed")

	// a accepts s1 and completes it: s5 goes to a at once.
	v["s1"]++
	b.Apply("s1", v["s1"], now, fb.OfferAccepted{AgentID: "a", Nickname: "A"})
	require.Empty(t, b.Next(now, 100), "accepting frees no place")
	v["s1"] += 2
	b.Apply("s1", v["s1"]-1, now, fb.SessionEnded{SessionID: "s1"})
	b.Apply("s1", v["s1"], now, fb.InteractionCompleted{SessionID: "s1"})
	require.Equal(t, []string{"s5->a"}, agentsOf(routeAll(b, now, v)))
	require.Zero(t, b.Figures("Q", now).Waiting)
}

func TestATimedOutOfferGoesBackToItsPlaceAndToAnother(t *testing.T) {
	t.Parallel()
	b := floor(t)
	v := map[string]int64{"s1": 1, "s2": 1}
	intake(b, "s1", t0.Add(time.Minute))
	now := t0.Add(2 * time.Minute)
	require.Equal(t, []string{"s1->a"}, agentsOf(routeAll(b, now, v)))
	b.AgentNotReady("b") // nobody else can take it yet
	intake(b, "s2", now.Add(time.Second))
	require.Equal(t, []string{"s2->a"}, agentsOf(routeAll(b, now.Add(time.Second), v)))

	require.Empty(t, b.Expired(now.Add(29*time.Second)))
	deadline, ok := b.NextDeadline()
	require.True(t, ok)
	require.Equal(t, now.Add(30*time.Second), deadline)
	expired := b.Expired(now.Add(30500 * time.Millisecond))
	require.Equal(t, []routing.Expiry{{SessionID: "s1", AgentID: "a", Offer: 1, Timeout: 30 * time.Second, Queue: "Q", NoAnswerNotReady: true}}, expired)
	require.Empty(t, b.Expired(now.Add(30500*time.Millisecond)), "firing once")

	v["s1"]++
	b.Apply("s1", v["s1"], now.Add(31*time.Second), fb.OfferTimedOut{AgentID: "a", Offer: 1, TimeoutSeconds: 30})
	b.AgentNotReady("a") // NoAnswer
	f := b.Figures("Q", now.Add(31*time.Second))
	require.Equal(t, 1, f.Waiting)
	require.Equal(t, 91*time.Second, f.OldestWait, "back in its place: waiting since its intake")

	b.AgentReady("b", now.Add(40*time.Second))
	offers := routeAll(b, now.Add(40*time.Second), v)
	require.Equal(t, []string{"s1->b"}, agentsOf(offers))
	require.Equal(t, t0.Add(time.Minute), offers[0].Decision.WaitingSince)
	require.Equal(t, fb.ReasonNotReady, offers[0].Decision.Candidates[1].Reason)
}

func TestADeclinerIsPassedOverWhileAnotherCanTakeIt(t *testing.T) {
	t.Parallel()
	b := floor(t)
	v := map[string]int64{"s1": 1}
	intake(b, "s1", t0.Add(time.Minute))
	now := t0.Add(2 * time.Minute)
	require.Equal(t, []string{"s1->a"}, agentsOf(routeAll(b, now, v)))
	v["s1"]++
	b.Apply("s1", v["s1"], now, fb.OfferRejected{AgentID: "a"})
	// b was offered nothing yet, so b is idle longer anyway; make a look
	// idler to show the declining is what passes a over.
	b.AgentReady("b", now.Add(time.Second))
	offers := routeAll(b, now.Add(2*time.Second), v)
	require.Equal(t, []string{"s1->b"}, agentsOf(offers))
	require.Equal(t, routing.ReasonDeclined, offers[0].Decision.Candidates[1].Reason)

	// b rejects too: a and b both declined, so the one idle longest
	// takes it again rather than nobody.
	v["s1"]++
	b.Apply("s1", v["s1"], now.Add(3*time.Second), fb.OfferRejected{AgentID: "b"})
	require.Equal(t, []string{"s1->a"}, agentsOf(routeAll(b, now.Add(4*time.Second), v)))
}

func TestAnOfferUnderWayHoldsItsPlaceUntilTheLogShowsIt(t *testing.T) {
	t.Parallel()
	b := floor(t)
	b.AgentCapacity("a", 1)
	b.AgentNotReady("b")
	intake(b, "s1", t0)
	intake(b, "s2", t0.Add(time.Second))
	now := t0.Add(time.Minute)
	offers := b.Next(now, 100)
	require.Equal(t, []string{"s1->a"}, agentsOf(offers))
	require.Empty(t, b.Next(now, 100), "a's one place is reserved, s1 is not offered twice")
	require.Equal(t, 1, b.Figures("Q", now).AgentsBusy)

	b.Apply("s1", 2, now, fb.SessionRouted{AgentID: "a", Decision: &offers[0].Decision})
	require.Empty(t, b.Next(now, 100), "the log's offer takes the reservation's place, not another")
	require.Equal(t, 1, b.Figures("Q", now).Waiting)
	b.Apply("s1", 3, now, fb.OfferRejected{AgentID: "a"})
	require.Equal(t, []string{"s1->a"}, agentsOf(b.Next(now, 100)), "one place freed, one place taken: nobody else can")
}

func TestAnUndoneOfferIsHeldUntilTheLogMoves(t *testing.T) {
	t.Parallel()
	b := floor(t)
	intake(b, "s1", t0)
	offers := b.Next(t0.Add(time.Minute), 100)
	require.Len(t, offers, 1)
	b.Undo(offers[0], true)
	require.Equal(t, routing.Figures{Waiting: 1, OldestWait: time.Minute, AgentsReady: 2}, b.Figures("Q", t0.Add(time.Minute)))
	require.Empty(t, b.Next(t0.Add(time.Minute), 100), "held")
	b.Apply("s1", 2, t0.Add(time.Minute), fb.CustomerMessageReceived{Message: fb.Message{Index: 1, Text: "hi"}})
	again := b.Next(t0.Add(time.Minute), 100)
	require.Equal(t, []string{"s1->b"}, agentsOf(again), "a's reservation counts as their last offer: b is idle longer now")

	b.Undo(again[0], false)
	require.Len(t, b.Next(t0.Add(time.Minute), 100), 1, "not held")
}

// Offers are numbered as the aggregate numbers them, whatever the board
// saw while its own Route was under way: another Route that beat it, or a
// log the board lagged behind. Else TimeOut would name an offer the
// aggregate does not have, and the offer would never time out.
func TestOffersAreNumberedAsTheLogNumbersThem(t *testing.T) {
	t.Parallel()
	for _, lagging := range []bool{false, true} {
		b := floor(t)
		now := t0.Add(time.Minute)
		start := fb.SessionStarted{SessionID: "s1", Status: fb.StatusCompleted, QueueName: "Q"}
		b.Apply("s1", 1, now, start)
		mine := b.Next(now, 10)
		require.Len(t, mine, 1)
		log := []fb.Event{start, fb.SessionRouted{AgentID: "x"}, fb.OfferRejected{AgentID: "x"},
			fb.SessionRouted{AgentID: mine[0].AgentID, Decision: &mine[0].Decision}}
		if !lagging {
			// Another Route wins; the board's is refused, then made
			// again once x rejects.
			b.Apply("s1", 2, now, log[1])
			b.Undo(mine[0], true)
			b.Apply("s1", 3, now, log[2])
			again := b.Next(now, 10)
			require.Len(t, again, 1)
			log[3] = fb.SessionRouted{AgentID: again[0].AgentID, Decision: &again[0].Decision}
		}
		for v := int64(2); v <= 4; v++ {
			b.Apply("s1", v, now, log[v-1])
		}
		x := b.Expired(now.Add(31 * time.Second))
		require.Len(t, x, 1)
		_, err := fb.Decide(fb.Fold(log), fb.TimeOut{AgentID: x[0].AgentID, Offer: x[0].Offer})
		require.NoError(t, err, "lagging %v: offer %d, the log's %d", lagging, x[0].Offer, fb.Fold(log).Offers)
	}
}

func TestAnAgentWhoseOfferRanOutIsOfferedNothingMoreInThatPass(t *testing.T) {
	t.Parallel()
	b := routing.New()
	b.SetQueue(routing.Queue{Name: "Q", OfferTimeout: 30 * time.Second, NoAnswerNotReady: true, Members: []string{"a"}})
	b.AgentStarted("a")
	b.AgentReady("a", t0)
	intake(b, "s1", t0)
	v := map[string]int64{"s1": 1, "s2": 1}
	routeAll(b, t0, v)
	intake(b, "s2", t0.Add(20*time.Second))
	now := t0.Add(31 * time.Second)
	require.Len(t, b.Expired(now), 1)
	require.Empty(t, b.Next(now, 10), "a is about to be NotReady with NoAnswer")

	// The log: the timeout, then the NoAnswer owed, until a's channel moves.
	b.Apply("s1", 3, now, fb.OfferTimedOut{AgentID: "a", Offer: 1, NoAnswerNotReady: true})
	require.Equal(t, []routing.NoAnswer{{AgentID: "a", SessionID: "s1", Offer: 1}}, b.Owed())
	require.Empty(t, b.Owed(), "being sent")
	b.Unsent(routing.NoAnswer{AgentID: "a", SessionID: "s1", Offer: 1})
	require.Len(t, b.Owed(), 1, "a failed send is owed again")
	b.AgentNotReady("a")
	require.Empty(t, b.Owed())
	b.AgentReady("a", now.Add(time.Second))
	require.Equal(t, []string{"s1->a", "s2->a"}, agentsOf(b.Next(now.Add(time.Second), 10)), "a declined s1, but nobody else can take it")
}

func TestARebuiltBoardTimesOutWhatRanOutWhileNobodyRouted(t *testing.T) {
	t.Parallel()
	// The log as a router left it before it died: s1 offered to a with a
	// 30 s timeout at 10:01.
	b := floor(t)
	intake(b, "s1", t0)
	d := fb.RoutingDecision{Queue: "Q", Rule: routing.Rule, OfferTimeoutSeconds: 30}
	b.Apply("s1", 2, t0.Add(time.Minute), fb.SessionRouted{AgentID: "a", Decision: &d})
	require.Empty(t, b.Next(t0.Add(2*time.Minute), 100), "offered once: never twice")
	require.Equal(t, []routing.Expiry{{SessionID: "s1", AgentID: "a", Offer: 1, Timeout: 30 * time.Second, Queue: "Q", NoAnswerNotReady: true}},
		b.Expired(t0.Add(2*time.Minute)))
}

func TestTheOldestSessionGoesFirstAcrossQueues(t *testing.T) {
	t.Parallel()
	b := routing.New()
	b.SetQueue(routing.Queue{Name: "Q1", OfferTimeout: time.Second, Members: []string{"a"}})
	b.SetQueue(routing.Queue{Name: "Q2", OfferTimeout: time.Second, Members: []string{"a"}})
	b.AgentStarted("a")
	b.AgentCapacity("a", 1)
	b.Apply("new", 1, t0.Add(time.Second), fb.SessionStarted{SessionID: "new", Status: fb.StatusCompleted, QueueName: "Q1"})
	b.Apply("old", 1, t0, fb.SessionStarted{SessionID: "old", Status: fb.StatusCompleted, QueueName: "Q2"})
	require.Empty(t, b.Next(t0.Add(time.Minute), 10), "a is NotReady")
	b.AgentReady("a", t0.Add(time.Minute))
	require.Equal(t, []string{"old->a"}, agentsOf(b.Next(t0.Add(time.Minute), 10)))
}

func TestCapacityZeroAndLoggedOutTakeNothing(t *testing.T) {
	t.Parallel()
	b := floor(t)
	b.AgentCapacity("a", 0)
	b.AgentEnded("b")
	intake(b, "s1", t0)
	require.Empty(t, b.Next(t0.Add(time.Minute), 10))
	b.AgentCapacity("a", 1)
	offers := b.Next(t0.Add(time.Minute), 10)
	require.Equal(t, []string{"s1->a"}, agentsOf(offers))
	require.Equal(t, fb.ReasonLoggedOut, offers[0].Decision.Candidates[1].Reason)
	require.Equal(t, "LoggedOut", offers[0].Decision.Candidates[1].Status)
}
