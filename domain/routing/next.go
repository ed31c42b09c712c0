package routing

import (
	"container/heap"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// Offer is a session the board offers to an agent: the router appends a
// Route with its Decision. Until the log shows the offer, the board keeps
// it as a reservation: the session is not offered again and the agent's
// place is taken. If the Route is not appended, Undo ends it.
type Offer struct {
	SessionID string
	AgentID   string
	Decision  fb.RoutingDecision
}

// Next chooses up to limit offers at now, oldest sessions first across
// every queue, and reserves them.
func (b *Board) Next(now time.Time, limit int) []Offer {
	cs := cursors{}
	for _, q := range b.queues {
		if q.configured && len(q.members) > 0 && len(q.waiting) > 0 && q.offerTimeout > 0 {
			cs = append(cs, &cursor{q: q})
		}
	}
	heap.Init(&cs)
	var out []Offer
	for len(cs) > 0 && len(out) < limit {
		c := cs[0]
		if c.i >= len(c.q.waiting) {
			heap.Pop(&cs)
			continue
		}
		s := c.q.waiting[c.i]
		c.i++
		if s.reserved != "" || s.held {
			heap.Fix(&cs, 0)
			continue
		}
		ws, ok := b.choose(c.q, s)
		if !ok {
			heap.Pop(&cs) // nobody in this queue can take a session now
			continue
		}
		a := ws[0].a
		out = append(out, Offer{SessionID: s.id, AgentID: a.id, Decision: decision(c.q, s, ws, now)})
		s.reserved = a.id
		a.reserved++
		a.reservedAt = now
		heap.Fix(&cs, 0)
	}
	return out
}

// Undo ends the reservation of an offer whose Route was not appended.
// stale tells that the session had changed: it is held until the log
// shows how.
func (b *Board) Undo(o Offer, stale bool) {
	s, ok := b.sessions[o.SessionID]
	if !ok || s.reserved != o.AgentID {
		return // the log has shown an offer since
	}
	b.unreserve(s)
	s.held = s.held || stale
}

// cursor walks one queue's waiting list during Next.
type cursor struct {
	q *queue
	i int
}

type cursors []*cursor

func (cs cursors) Len() int { return len(cs) }
func (cs cursors) Less(i, j int) bool {
	a, b := cs[i], cs[j]
	switch {
	case a.i >= len(a.q.waiting):
		return true // exhausted: popped first
	case b.i >= len(b.q.waiting):
		return false
	}
	return byPlace(a.q.waiting[a.i], b.q.waiting[b.i]) < 0
}
func (cs cursors) Swap(i, j int) { cs[i], cs[j] = cs[j], cs[i] }
func (cs *cursors) Push(x any)   { *cs = append(*cs, x.(*cursor)) }
func (cs *cursors) Pop() any {
	old := *cs
	c := old[len(old)-1]
	*cs = old[:len(old)-1]
	return c
}
