package routing

import (
	"container/heap"
	"time"
)

// timers are the router's running offers by deadline. An entry whose
// session no longer has that offer is stale and skipped when it comes up.
type timers struct{ h timerHeap }

type timer struct {
	s        *session
	o        *offer
	deadline time.Time
}

type timerHeap []timer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

func (t *timers) push(s *session, o *offer) { heap.Push(&t.h, timer{s: s, o: o, deadline: o.deadline}) }

// drop forgets the session's offer; its entry goes when it comes up.
func (t *timers) drop(s *session) { s.offer = nil }

// live tells whether the entry is still its session's offer.
func (e timer) live() bool { return e.s.offer == e.o && e.o.deadline.Equal(e.deadline) }

// pop removes the stale entries at the top; ok tells whether a live one
// is left there.
func (t *timers) top() (timer, bool) {
	for len(t.h) > 0 {
		if e := t.h[0]; e.live() {
			return e, true
		}
		heap.Pop(&t.h)
	}
	return timer{}, false
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

// Expired returns the offers whose deadline has passed at now, and marks
// them firing: they are not returned again until Retry.
func (b *Board) Expired(now time.Time) []Expiry {
	var out []Expiry
	for {
		e, ok := b.timers.top()
		if !ok || e.deadline.After(now) {
			return out
		}
		heap.Pop(&b.timers.h)
		e.o.firing = true
		x := Expiry{SessionID: e.s.id, AgentID: e.o.agent, Offer: e.o.number, Timeout: e.o.timeout, Queue: e.s.queue}
		if q, ok := b.queues[e.s.queue]; ok {
			x.NoAnswerNotReady = q.noAnswerNotReady
		}
		out = append(out, x)
	}
}

// Retry puts back an expiry whose TimeOut could not be appended, to fire
// again at the given time, if the offer still runs.
func (b *Board) Retry(x Expiry, at time.Time) {
	s, ok := b.sessions[x.SessionID]
	if !ok || s.offer == nil || s.offer.number != x.Offer || !s.offer.firing {
		return
	}
	s.offer.firing, s.offer.deadline = false, at
	b.timers.push(s, s.offer)
}

// NextDeadline is the earliest deadline of the offers running, if any.
func (b *Board) NextDeadline() (time.Time, bool) {
	e, ok := b.timers.top()
	return e.deadline, ok
}
