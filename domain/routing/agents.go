package routing

import (
	"slices"
	"time"
)

// The agents' channel events. Each ends a hold and a NoAnswer owed: the
// agent has said what they are since.

// AgentStarted: the agent started a contact center session with the
// facebooksession channel, NotReady.
func (b *Board) AgentStarted(id string) {
	a := b.agent(id)
	a.started, a.ready = true, false
	a.settled()
}

// AgentEnded: the agent ended the contact center session. The sessions
// they hold stay theirs.
func (b *Board) AgentEnded(id string) {
	a := b.agent(id)
	a.started, a.ready = false, false
	a.settled()
}

// AgentReady: the agent is Ready on facebooksession since at.
func (b *Board) AgentReady(id string, at time.Time) {
	a := b.agent(id)
	a.ready = true
	if at.After(a.idleSince) {
		a.idleSince = at
	}
	a.settled()
}

// AgentNotReady: the agent is NotReady on facebooksession.
func (b *Board) AgentNotReady(id string) {
	a := b.agent(id)
	a.ready = false
	a.settled()
}

func (a *agent) settled() { a.hold, a.owed, a.sending = false, nil, false }

// AgentCapacity: the agent takes at most n sessions at once.
func (b *Board) AgentCapacity(id string, n int) { b.agent(id).capacity = max(0, n) }

// Hold keeps the router from offering to the agent until their next
// channel event: the directory no longer takes them as an agent.
func (b *Board) Hold(id string) { b.agent(id).hold = true }

// Unhold lets the router offer to the agent again: a hold for a NoAnswer
// whose TimeOut found the offer answered.
func (b *Board) Unhold(id string) {
	if a, ok := b.agents[id]; ok && a.owed == nil {
		a.hold = false
	}
}

// NoAnswer is the NotReady an agent is owed for letting an offer time
// out: the router sets it, keyed by the offer, so that sending it twice
// changes nothing twice.
type NoAnswer struct {
	AgentID   string
	SessionID string
	Offer     int
}

// Owed returns the NoAnswers to send now, and marks them being sent: not
// returned again until Unsent. An agent no longer Ready owes nothing.
func (b *Board) Owed() []NoAnswer {
	var out []NoAnswer
	for _, a := range b.agents {
		switch {
		case a.owed == nil || a.sending:
		case !a.started || !a.ready:
			a.owed, a.hold = nil, false
		default:
			a.sending = true
			out = append(out, *a.owed)
		}
	}
	slices.SortFunc(out, func(x, y NoAnswer) int {
		switch {
		case x.AgentID < y.AgentID:
			return -1
		case x.AgentID > y.AgentID:
			return 1
		}
		return 0
	})
	return out
}

// Unsent puts back a NoAnswer that could not be sent, for the next pass.
func (b *Board) Unsent(n NoAnswer) {
	if a, ok := b.agents[n.AgentID]; ok && a.owed != nil && *a.owed == n {
		a.sending = false
	}
}

// Forget drops a NoAnswer that cannot be set (the agent is no agent the
// directory takes).
func (b *Board) Forget(n NoAnswer) {
	if a, ok := b.agents[n.AgentID]; ok && a.owed != nil && *a.owed == n {
		a.owed, a.sending = nil, false
	}
}

// status is the agent's channel as a candidate shows it.
func (a *agent) status() string {
	switch {
	case !a.started:
		return "LoggedOut"
	case a.ready:
		return "Ready"
	}
	return "NotReady"
}
