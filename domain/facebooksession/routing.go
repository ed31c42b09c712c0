package facebooksession

import "time"

// MaxCandidates bounds the candidates a routing decision records: the
// chosen agent and the next best, then the rest only counted, so that a
// queue of thousands of members does not write thousands of entries for
// every offer.
const MaxCandidates = 16

// RoutingDecision is what the router saw when it offered a session: the
// queue, the rule it applied, and the members it weighed. It is recorded
// with the offer (SessionRouted) so that the log alone answers "why this
// agent, and why not the others".
type RoutingDecision struct {
	Queue string
	// Rule names the rule applied, as docs/API.md writes it down.
	Rule string
	// WaitingSince is the session's place in the queue: when it was
	// queued. An offer that comes back keeps it.
	WaitingSince time.Time
	// DecidedAt is the router's clock when it chose.
	DecidedAt           time.Time
	OfferTimeoutSeconds int
	// Candidates are the members weighed, best first, at most
	// MaxCandidates; Members counts every member of the queue then.
	Candidates []Candidate
	Members    int
}

// Candidate is one queue member as the router weighed them.
type Candidate struct {
	AgentID string
	// Status is the member's facebooksession channel: Ready, NotReady, or
	// LoggedOut when no contact center session is started.
	Status   string
	Load     int
	Capacity int
	// IdleSince is when the member was last offered a session or became
	// Ready, the later of the two: the rule's measure of idleness.
	IdleSince time.Time
	Chosen    bool
	// Reason is why the member could not take the session, empty when
	// they could: NotReady, LoggedOut, Full, or the router's Declined
	// and Held (routing.ReasonDeclined, routing.ReasonHeld).
	Reason string
}

// Reasons a member is passed over.
const (
	ReasonNotReady  = "NotReady"
	ReasonLoggedOut = "LoggedOut"
	ReasonFull      = "Full"
)
