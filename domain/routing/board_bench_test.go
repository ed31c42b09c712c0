package routing_test

import (
	"fmt"
	"testing"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/domain/routing"
)

// BenchmarkLife folds a session's routing life into a board of 50 agents:
// intake to a queue, the router's offer, Accept, Complete. It is what a
// starting router pays per session of the log, beside reading it.
func BenchmarkLife(b *testing.B) {
	board := benchFloor(50)
	d := &fb.RoutingDecision{Queue: "Q", OfferTimeoutSeconds: 30}
	b.ReportAllocs()
	for i := range b.N {
		id := fmt.Sprintf("s%d", i)
		at := t0.Add(time.Duration(i) * time.Millisecond)
		board.Apply(id, 1, at, fb.SessionStarted{SessionID: id, Status: fb.StatusCompleted, QueueName: "Q"})
		board.Apply(id, 2, at, fb.SessionRouted{AgentID: fmt.Sprintf("a%d", i%50), Decision: d})
		board.Apply(id, 3, at, fb.OfferAccepted{AgentID: fmt.Sprintf("a%d", i%50)})
		board.Apply(id, 4, at, fb.InteractionCompleted{SessionID: id})
	}
}

// BenchmarkNext chooses one offer out of 10,000 waiting sessions for 50
// members, and takes it back: the cost of each offer the router makes.
func BenchmarkNext(b *testing.B) {
	board := benchFloor(50)
	for i := range 10000 {
		id := fmt.Sprintf("w%d", i)
		board.Apply(id, 1, t0.Add(time.Duration(i)*time.Millisecond), fb.SessionStarted{SessionID: id, Status: fb.StatusCompleted, QueueName: "Q"})
	}
	now := t0.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		offers := board.Next(now, 1)
		if len(offers) != 1 {
			b.Fatal("no offer")
		}
		board.Undo(offers[0], false)
	}
}

func benchFloor(agents int) *routing.Board {
	board := routing.New()
	members := make([]string, agents)
	for i := range members {
		members[i] = fmt.Sprintf("a%d", i)
		board.AgentStarted(members[i])
		board.AgentReady(members[i], t0)
	}
	board.SetQueue(routing.Queue{Name: "Q", OfferTimeout: 30 * time.Second, Members: members})
	return board
}
