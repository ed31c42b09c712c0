package routing

import (
	"container/heap"
	"time"
)

// timers are the router's running offers by deadline. An offer leaves the
// heap as soon as it ends, so that a process that only follows (and never
// asks what expired) keeps no more than the offers running.
type timers struct{ h timerHeap }

type timerHeap []*offer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	o := x.(*offer)
	o.index = len(*h)
	*h = append(*h, o)
}
func (h *timerHeap) Pop() any {
	old := *h
	o := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	o.index = -1
	return o
}

func (t *timers) push(o *offer) { heap.Push(&t.h, o) }

// drop ends the session's offer: out of the heap, and off the session.
func (t *timers) drop(s *session) {
	if o := s.offer; o != nil && o.index >= 0 {
		heap.Remove(&t.h, o.index)
	}
	s.offer = nil
}

// Expiry is an offer its agent let run out: the router sends TimeOut.
type Expiry struct {
	SessionID string
	AgentID   string
	Offer     int
	Timeout   time.Duration
	Queue     string
	// NoAnswerNotReady: the queue sets an agent who lets an offer time out
	// NotReady with reason NoAnswer.
	NoAnswerNotReady bool
}

// Expired returns the offers whose deadline has passed at now. They leave
// the heap (firing) until Retry puts one back. The agent of one whose
// queue sets NoAnswer is held at once, so that the same pass offers them
// nothing more.
func (b *Board) Expired(now time.Time) []Expiry {
	var out []Expiry
	for len(b.timers.h) > 0 && !b.timers.h[0].deadline.After(now) {
		o := heap.Pop(&b.timers.h).(*offer)
		out = append(out, Expiry{SessionID: o.s.id, AgentID: o.agent, Offer: o.number, Timeout: o.timeout,
			Queue: o.s.queue, NoAnswerNotReady: o.noAnswerNotReady})
		if o.noAnswerNotReady {
			b.agent(o.agent).hold = true
		}
	}
	return out
}

// Retry puts back an expiry whose TimeOut could not be appended, to fire
// again at the given time, if the offer still runs.
func (b *Board) Retry(x Expiry, at time.Time) {
	s, ok := b.sessions[x.SessionID]
	if !ok || s.offer == nil || s.offer.number != x.Offer || s.offer.index >= 0 {
		return
	}
	s.offer.deadline = at
	b.timers.push(s.offer)
}

// NextDeadline is the earliest deadline of the offers running, if any.
func (b *Board) NextDeadline() (time.Time, bool) {
	if len(b.timers.h) == 0 {
		return time.Time{}, false
	}
	return b.timers.h[0].deadline, true
}
