package routing

import (
	"slices"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// Apply folds a session's event, recorded at at as the stream's version,
// into the board. An event at or below the version the board has of the
// session was applied already (the router applies its own offers as they
// are appended), and is skipped.
func (b *Board) Apply(id string, version int64, at time.Time, e fb.Event) {
	s, ok := b.sessions[id]
	if !ok {
		started, isStart := e.(fb.SessionStarted)
		if !isStart {
			return // closed and forgotten, or older than the board
		}
		s = &session{id: id}
		b.sessions[id] = s
		b.start(s, at, started)
		s.version = version
		return
	}
	if version <= s.version {
		return
	}
	s.version, s.held = version, false
	switch e := e.(type) {
	case fb.OfferAccepted:
		b.timers.drop(s)
		s.status, s.declined, s.since = fb.StatusChatting, nil, at
	case fb.OfferRejected:
		b.back(s, at, true)
	case fb.OfferTimedOut:
		if e.NoAnswerNotReady {
			a := b.agent(e.AgentID)
			a.owed, a.sending, a.hold = &NoAnswer{AgentID: e.AgentID, SessionID: s.id, Offer: e.Offer}, false, true
		}
		b.back(s, at, true)
	case fb.SessionWithdrawn:
		b.back(s, at, s.status == fb.StatusInvited)
	case fb.AgentLeft:
		b.back(s, at, false)
	case fb.TransferredToQueue:
		b.release(s)
		s.declined = nil
		b.wait(s, e.QueueName, at)
	case fb.QueuedTo:
		b.release(s)
		s.declined = nil
		b.wait(s, e.QueueName, at)
	case fb.InteractionCompleted:
		b.unreserve(s)
		b.release(s)
		b.unwait(s)
		delete(b.sessions, s.id)
	case fb.TransferredToAgent:
		b.release(s)
		s.offers++
		b.assign(s, e.ToAgentID, fb.StatusInvited, at, nil)
	case fb.SessionRouted:
		b.unreserve(s) // the board's own offer, or one that beat it
		b.unwait(s)
		b.release(s)
		s.offers++
		var o *offer
		if d := e.Decision; d != nil && d.OfferTimeoutSeconds > 0 {
			timeout := time.Duration(d.OfferTimeoutSeconds) * time.Second
			o = &offer{agent: e.AgentID, number: s.offers, deadline: at.Add(timeout), timeout: timeout, index: -1}
			if q, ok := b.queues[d.Queue]; ok {
				o.noAnswerNotReady = q.noAnswerNotReady
			}
		}
		b.assign(s, e.AgentID, fb.StatusInvited, at, o)
	}
}

func (b *Board) start(s *session, at time.Time, e fb.SessionStarted) {
	s.since = at
	switch {
	case e.QueueName != "":
		b.wait(s, e.QueueName, at)
	case e.AgentID != "":
		if e.Status == fb.StatusInvited {
			s.offers = 1
		}
		b.assign(s, e.AgentID, e.Status, at, nil)
	}
}

// assign gives the session to the agent: it holds one of their places.
func (b *Board) assign(s *session, agentID string, status fb.Status, at time.Time, o *offer) {
	s.agent, s.status, s.offer, s.since = agentID, status, o, at
	a := b.agent(agentID)
	a.load++
	if status == fb.StatusInvited && at.After(a.idleSince) {
		a.idleSince = at
	}
	if o != nil {
		o.s = s
		b.timers.push(o)
	}
}

// release frees the place the session held with its agent, if any.
func (b *Board) release(s *session) {
	if s.agent != "" && (s.status == fb.StatusInvited || s.status == fb.StatusChatting) {
		if a, ok := b.agents[s.agent]; ok && a.load > 0 {
			a.load--
		}
	}
	b.timers.drop(s)
	s.agent, s.status = "", fb.StatusCompleted
}

// back sends the session back to the queue it last waited in: to its
// place when an offer came back (keep), at the end otherwise.
func (b *Board) back(s *session, at time.Time, keep bool) {
	from := s.agent
	wasOffer := s.status == fb.StatusInvited
	b.release(s)
	if s.queue == "" {
		s.since = at
		return // never queued: it waits for the integration API's Route
	}
	if wasOffer && from != "" {
		s.declined = append(s.declined, from)
		if len(s.declined) > maxDeclined {
			s.declined = s.declined[len(s.declined)-maxDeclined:]
		}
	}
	since := at
	if keep && !s.waitingSince.IsZero() {
		since = s.waitingSince
	}
	b.wait(s, s.queue, since)
}

// wait places the session in the queue, at its place for since.
func (b *Board) wait(s *session, name string, since time.Time) {
	b.unwait(s)
	s.queue, s.waiting, s.waitingSince = name, true, since
	q := b.queue(name)
	i, _ := slices.BinarySearchFunc(q.waiting, s, byPlace)
	q.waiting = slices.Insert(q.waiting, i, s)
}

// unwait takes the session out of its queue's waiting list.
func (b *Board) unwait(s *session) {
	if !s.waiting {
		return
	}
	s.waiting = false
	q := b.queues[s.queue]
	if i, found := slices.BinarySearchFunc(q.waiting, s, byPlace); found {
		q.waiting = slices.Delete(q.waiting, i, i+1)
	}
}

// byPlace orders a queue: oldest first, then by id.
func byPlace(a, b *session) int {
	if c := a.waitingSince.Compare(b.waitingSince); c != 0 {
		return c
	}
	switch {
	case a.id < b.id:
		return -1
	case a.id > b.id:
		return 1
	}
	return 0
}

// unreserve ends the board's own offer of the session, if one is under
// way: the log shows it now, or shows that it cannot be.
func (b *Board) unreserve(s *session) {
	if s.reserved == "" {
		return
	}
	if a, ok := b.agents[s.reserved]; ok && a.reserved > 0 {
		a.reserved--
	}
	s.reserved = ""
}
