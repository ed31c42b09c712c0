package routing

import (
	"container/heap"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// Offer is a session the board offers to an agent: the router appends a
// Route with its Decision, then tells the board how that went (Confirm or
// Undo).
type Offer struct {
	SessionID string
	AgentID   string
	Decision  fb.RoutingDecision
	// prevIdle is the agent's idleSince before the offer, which Undo puts
	// back.
	prevIdle time.Time
}

// Next chooses up to limit offers at now, oldest sessions first across
// every queue, and applies them to the board at once, pending: a session
// or a place is never offered twice while its Route is under way.
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
		if s.pending || s.held {
			c.i++
			heap.Fix(&cs, 0)
			continue
		}
		ws, ok := b.choose(c.q, s)
		if !ok {
			heap.Pop(&cs) // nobody in this queue can take a session now
			continue
		}
		o := Offer{SessionID: s.id, AgentID: ws[0].a.id, Decision: decision(c.q, s, ws, now), prevIdle: ws[0].a.idleSince}
		// The session leaves the waiting list: the cursor's index now
		// points at the next one.
		b.unwait(s)
		s.offers++
		b.assign(s, o.AgentID, fb.StatusInvited, now, &offer{
			agent: o.AgentID, number: s.offers, deadline: now.Add(c.q.offerTimeout), timeout: c.q.offerTimeout,
		})
		s.pending = true
		heap.Fix(&cs, 0)
		out = append(out, o)
	}
	return out
}

// Confirm tells the board that the offer's Route was appended, making
// the session's stream version.
func (b *Board) Confirm(o Offer, version int64) {
	s, ok := b.sessions[o.SessionID]
	if !ok || !s.pending || s.agent != o.AgentID {
		return // the log has shown it already
	}
	s.pending = false
	s.version = max(s.version, version)
}

// Undo takes back an offer whose Route was not appended. stale tells that
// the session had changed: it is held until the log shows how.
func (b *Board) Undo(o Offer, stale bool) {
	s, ok := b.sessions[o.SessionID]
	if !ok || !s.pending || s.agent != o.AgentID {
		return
	}
	b.release(s)
	s.offers--
	if a, ok := b.agents[o.AgentID]; ok {
		a.idleSince = o.prevIdle
	}
	b.wait(s, s.queue, o.Decision.WaitingSince)
	s.held = stale
}

// Pending tells whether an offer of the session is under way.
func (b *Board) Pending(sessionID string) bool {
	s, ok := b.sessions[sessionID]
	return ok && s.pending
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
