package queue

// Figures are a queue's live figures, as the router counts them from the
// log: not part of the aggregate, but the values every reader of a queue
// shows beside it, kept here so that the router and the API share them
// without depending on each other.
type Figures struct {
	// Waiting counts the sessions queued and not offered.
	Waiting int
	// OldestWaitSeconds is how long the longest-waiting of them has.
	OldestWaitSeconds int
	// AgentsReady counts the members Ready on facebooksession.
	AgentsReady int
	// AgentsBusy counts the members holding at least one session,
	// offered or chatting.
	AgentsBusy int
}
