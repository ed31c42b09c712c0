package routing

import "time"

// AgentStarted: the agent started a contact center session with the
// facebooksession channel, NotReady.
func (b *Board) AgentStarted(id string) {
	a := b.agent(id)
	a.started, a.ready = true, false
}

// AgentEnded: the agent ended the contact center session. The sessions
// they hold stay theirs.
func (b *Board) AgentEnded(id string) {
	a := b.agent(id)
	a.started, a.ready = false, false
}

// AgentReady: the agent is Ready on facebooksession since at.
func (b *Board) AgentReady(id string, at time.Time) {
	a := b.agent(id)
	a.ready = true
	if at.After(a.idleSince) {
		a.idleSince = at
	}
}

// AgentNotReady: the agent is NotReady on facebooksession.
func (b *Board) AgentNotReady(id string) { b.agent(id).ready = false }

// AgentCapacity: the agent takes at most n sessions at once.
func (b *Board) AgentCapacity(id string, n int) { b.agent(id).capacity = max(0, n) }

// Ready tells whether the agent is Ready on facebooksession.
func (b *Board) Ready(id string) bool {
	a, ok := b.agents[id]
	return ok && a.started && a.ready
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
