package routing

import (
	"slices"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// weighed is a member as the rule weighs them for one session.
type weighed struct {
	a *agent
	// group orders the members: 0 can take the session, 1 can but
	// declined it in this wait, 2 cannot.
	group  int
	reason string
}

// choose weighs the queue's members for s and returns them best first,
// and whether the first can take the session.
func (b *Board) choose(q *queue, s *session) ([]weighed, bool) {
	ws := make([]weighed, 0, len(q.members))
	for _, id := range q.members {
		a, ok := b.agents[id]
		if !ok {
			a = &agent{id: id, capacity: DefaultCapacity}
		}
		w := weighed{a: a}
		switch {
		case !a.started:
			w.group, w.reason = 2, fb.ReasonLoggedOut
		case !a.ready:
			w.group, w.reason = 2, fb.ReasonNotReady
		case a.hold:
			w.group, w.reason = 2, ReasonHeld
		case !a.free():
			w.group, w.reason = 2, fb.ReasonFull
		case slices.Contains(s.declined, id):
			w.group, w.reason = 1, ReasonDeclined
		}
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(x, y weighed) int {
		if x.group != y.group {
			return x.group - y.group
		}
		if c := x.a.idle().Compare(y.a.idle()); c != 0 && x.group < 2 {
			return c
		}
		switch {
		case x.a.id < y.a.id:
			return -1
		case x.a.id > y.a.id:
			return 1
		}
		return 0
	})
	return ws, len(ws) > 0 && ws[0].group < 2
}

// decision records the weighing that chose ws[0] for s.
func decision(q *queue, s *session, ws []weighed, now time.Time) fb.RoutingDecision {
	d := fb.RoutingDecision{
		Queue: q.name, Rule: Rule, WaitingSince: s.waitingSince, DecidedAt: now,
		OfferTimeoutSeconds: int(q.offerTimeout / time.Second), Members: len(q.members),
		Candidates: make([]fb.Candidate, 0, min(len(ws), fb.MaxCandidates)),
	}
	for i, w := range ws[:min(len(ws), fb.MaxCandidates)] {
		reason := w.reason
		if i > 0 && w.group == 1 && ws[0].group == 0 {
			reason = ReasonDeclined
		} else if w.group < 2 {
			reason = "" // could take it: passed over as idle less long
		}
		d.Candidates = append(d.Candidates, fb.Candidate{
			AgentID: w.a.id, Status: w.a.status(), Load: w.a.load + w.a.reserved, Capacity: w.a.capacity,
			IdleSince: w.a.idle(), Chosen: i == 0, Reason: reason,
		})
	}
	return d
}
