package audit

import (
	"context"
	"fmt"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/domain/routing"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// Explanation answers, from a session's stream alone, why each agent who
// was offered the session by routing got it and why the others did not:
// each routing in order, with what queued the session before it, the
// router's decision, and what became of the offer; then where the session
// is now. Its JSON field names are fbsessionctl explain --json's, and
// stable (docs/AUDIT.md).
type Explanation struct {
	SessionID string `json:"sessionId"`
	// Routings are the session's SessionRouted events, in order.
	Routings []Routing `json:"routings"`
	Now      Now       `json:"now"`
}

// Routing is one offer made by routing: by the router, with its decision,
// or by the integration API's Route, without.
type Routing struct {
	Position   int64     `json:"position"`
	Version    int64     `json:"version"`
	RecordedAt time.Time `json:"recordedAt"`
	// Actor is the user whose request appended the offer.
	Actor   string `json:"actor,omitempty"`
	AgentID string `json:"agentId"`
	// ByRouter tells whether the router made the offer (Decision is then
	// set), rather than the integration API's Route.
	ByRouter bool `json:"byRouter"`
	// Queued is the last event before the offer that made the session wait
	// for routing; nil when none did (a Route of a session never queued is
	// refused, so only a log written otherwise has none).
	Queued   *Step     `json:"queued,omitempty"`
	Decision *Decision `json:"decision,omitempty"`
	Outcome  Outcome   `json:"outcome"`
}

// Step is an event of the stream as explain cites it.
type Step struct {
	Type     string    `json:"type"`
	Position int64     `json:"position"`
	Version  int64     `json:"version"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor,omitempty"`
	// Queue is where the event left the session waiting: the queue it
	// named, or the one the session was last in.
	Queue string `json:"queue,omitempty"`
	// Summary is history's line for the event (Summary).
	Summary string `json:"summary"`
}

// Decision is the router's decision as recorded, with what it implies:
// how long the session had waited and why each candidate was not chosen.
type Decision struct {
	Queue               string    `json:"queue"`
	Rule                string    `json:"rule"`
	WaitingSince        time.Time `json:"waitingSince"`
	DecidedAt           time.Time `json:"decidedAt"`
	WaitedSeconds       float64   `json:"waitedSeconds"`
	OfferTimeoutSeconds int       `json:"offerTimeoutSeconds"`
	// Chosen is the candidate offered the session; nil if the decision
	// lists none chosen (the offer's agentId then tells who was).
	Chosen *Candidate `json:"chosen,omitempty"`
	// Others are the other candidates recorded, best first.
	Others []Candidate `json:"others"`
	// Members counts every member of the queue then; Unlisted those not
	// recorded as candidates (beyond fb.MaxCandidates).
	Members  int `json:"members"`
	Unlisted int `json:"unlisted"`
}

// Candidate is a member the router weighed.
type Candidate struct {
	AgentID  string `json:"agentId"`
	Status   string `json:"status"`
	Load     int    `json:"load"`
	Capacity int    `json:"capacity"`
	// IdleSince and IdleSeconds (to the decision) are absent when the
	// router recorded no idle time.
	IdleSince   *time.Time `json:"idleSince,omitempty"`
	IdleSeconds *float64   `json:"idleSeconds,omitempty"`
	Chosen      bool       `json:"chosen"`
	// Reason is as recorded: empty, NotReady, LoggedOut, Full, Declined, Held.
	Reason string `json:"reason,omitempty"`
	// WhyNot tells in words why an unchosen candidate was not offered the
	// session: its reason, or "idle less long" when it could take it.
	WhyNot string `json:"whyNot,omitempty"`
}

// Outcome kinds: what became of an offer.
const (
	OutcomeAccepted  = "accepted"
	OutcomeRejected  = "rejected"
	OutcomeTimedOut  = "timedOut"
	OutcomeWithdrawn = "withdrawn"
	OutcomeRunning   = "running"
)

// Outcome is what became of an offer: the event that answered it, or
// running when none has yet.
type Outcome struct {
	Kind    string `json:"kind"`
	AgentID string `json:"agentId,omitempty"`
	// Step is the event that ended the offer; nil while it runs.
	Step *Step `json:"step,omitempty"`
	// AfterSeconds is from the offer to Step.
	AfterSeconds   float64 `json:"afterSeconds,omitempty"`
	TimeoutSeconds int     `json:"timeoutSeconds,omitempty"`
}

// Where a session is now.
const (
	NowWaiting  = "waiting"
	NowOffered  = "offered"
	NowChatting = "chatting"
	NowClosed   = "closed"
)

// Now is where the session is at its last event.
type Now struct {
	// State is waiting, offered, chatting or closed.
	State   string `json:"state"`
	AgentID string `json:"agentId,omitempty"`
	// Queue is the queue a waiting session is in, as far as the log
	// tells: the one it was last placed in or offered from.
	Queue string `json:"queue,omitempty"`
	// Since is when the session came to this state: for a waiting
	// session, the event that made it wait (Step).
	Since time.Time `json:"since"`
	// WaitingSince is a waiting session's place in its queue: Since, or
	// for an offer that came back, the place it kept.
	WaitingSince *time.Time `json:"waitingSince,omitempty"`
	Step         Step       `json:"step"`
	// EverQueued tells whether the session was ever made to wait for
	// routing.
	EverQueued bool `json:"everQueued"`
}

// Explain reads a session's stream and explains its routings.
func Explain(ctx context.Context, s eventstore.Store, sessionID string) (*Explanation, error) {
	events, err := readSession(ctx, s, sessionID)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoSession, sessionID)
	}
	x := explainer{out: &Explanation{SessionID: sessionID, Routings: []Routing{}}}
	for i := range events {
		x.next(&events[i])
	}
	x.out.Now = x.now
	x.out.Now.EverQueued = x.ever
	return x.out, nil
}

// explainer folds a stream into an Explanation.
type explainer struct {
	out   *Explanation
	state fb.State
	// queue is the queue the session was last placed in or offered from.
	queue string
	// queued is the event that last made the session wait.
	queued *Step
	// offer is the routing whose offer runs, if any.
	offer *Routing
	// place is the waitingSince the running offer's decision kept.
	place time.Time
	// ever tells whether the session has waited for routing.
	ever bool
	now  Now
}

func (x *explainer) next(e *eventstore.RecordedEvent) {
	ev, err := sessionlog.Decode(e.Type, e.SchemaVersion, e.Data)
	if err != nil {
		return // written by a newer binary: not ours to explain
	}
	meta, _ := sessionlog.DecodeMetadata(e.Metadata)
	step := Step{Type: e.Type, Position: e.Position, Version: e.Version, Time: e.RecordedAt, Actor: meta.Actor, Summary: Summary(ev)}
	before := x.state
	x.state = fb.Evolve(x.state, ev)

	switch ev := ev.(type) {
	case fb.SessionStarted:
		x.queue = ev.QueueName
	case fb.QueuedTo:
		x.queue = ev.QueueName
	case fb.TransferredToQueue:
		x.queue = ev.QueueName
	case fb.SessionRouted:
		x.route(step, ev)
	case fb.OfferAccepted:
		x.answer(OutcomeAccepted, ev.AgentID, step, 0)
	case fb.OfferRejected:
		x.answer(OutcomeRejected, ev.AgentID, step, 0)
	case fb.OfferTimedOut:
		x.answer(OutcomeTimedOut, ev.AgentID, step, ev.TimeoutSeconds)
	case fb.SessionWithdrawn:
		if before.Status == fb.StatusInvited {
			x.answer(OutcomeWithdrawn, ev.AgentID, step, 0)
		}
	}

	// Where the session is after the event.
	s := x.state
	switch {
	case s.Routable():
		if !before.Routable() || x.queued == nil {
			step.Queue = x.queue
			x.queued = &step
			x.now = Now{State: NowWaiting, Queue: x.queue, Since: step.Time, Step: step}
			at := step.Time
			if !x.place.IsZero() {
				at = x.place // the offer came back: it keeps its place
			}
			x.now.WaitingSince = &at
		}
	case s.Status == fb.StatusInvited:
		if before.Status != fb.StatusInvited || before.AgentID != s.AgentID {
			x.now = Now{State: NowOffered, AgentID: s.AgentID, Since: step.Time, Step: step}
		}
	case s.Status == fb.StatusChatting:
		if before.Status != fb.StatusChatting || before.AgentID != s.AgentID {
			x.now = Now{State: NowChatting, AgentID: s.AgentID, Since: step.Time, Step: step}
		}
	default:
		if x.now.State != NowClosed {
			x.now = Now{State: NowClosed, AgentID: s.AgentID, Since: step.Time, Step: step}
		}
	}
	if x.now.State != NowWaiting {
		x.queued = nil
	}
	if x.now.State == NowWaiting {
		x.ever = true
		x.place = time.Time{}
	}
}

// route records an offer made by routing.
func (x *explainer) route(step Step, ev fb.SessionRouted) {
	r := Routing{
		Position: step.Position, Version: step.Version, RecordedAt: step.Time, Actor: step.Actor,
		AgentID: ev.AgentID, ByRouter: ev.Decision != nil, Queued: x.queued,
		Outcome: Outcome{Kind: OutcomeRunning, AgentID: ev.AgentID},
	}
	x.place = time.Time{}
	if d := ev.Decision; d != nil {
		r.Decision = decision(d)
		x.queue = d.Queue
		x.place = d.WaitingSince
	}
	x.out.Routings = append(x.out.Routings, r)
	x.offer = &x.out.Routings[len(x.out.Routings)-1]
}

// answer ends the running offer, if any.
func (x *explainer) answer(kind, agentID string, step Step, timeout int) {
	if x.offer == nil {
		return // an offer made at intake or by a transfer: not routing's
	}
	x.offer.Outcome = Outcome{
		Kind: kind, AgentID: agentID, Step: &step,
		AfterSeconds: step.Time.Sub(x.offer.RecordedAt).Seconds(), TimeoutSeconds: timeout,
	}
	x.offer = nil
	if kind == OutcomeAccepted {
		x.place = time.Time{}
	}
}

// decision explains a recorded decision.
func decision(d *fb.RoutingDecision) *Decision {
	decided := d.DecidedAt
	out := &Decision{
		Queue: d.Queue, Rule: d.Rule, WaitingSince: d.WaitingSince, DecidedAt: decided,
		OfferTimeoutSeconds: d.OfferTimeoutSeconds, Members: d.Members, Others: []Candidate{},
	}
	if !d.WaitingSince.IsZero() && !decided.IsZero() {
		out.WaitedSeconds = decided.Sub(d.WaitingSince).Seconds()
	}
	var chosen *fb.Candidate
	for i := range d.Candidates {
		if d.Candidates[i].Chosen {
			chosen = &d.Candidates[i]
			break
		}
	}
	for _, c := range d.Candidates {
		ex := Candidate{AgentID: c.AgentID, Status: c.Status, Load: c.Load, Capacity: c.Capacity, Chosen: c.Chosen, Reason: c.Reason}
		if !c.IdleSince.IsZero() {
			since := c.IdleSince
			ex.IdleSince = &since
			if !decided.IsZero() {
				idle := decided.Sub(since).Seconds()
				ex.IdleSeconds = &idle
			}
		}
		if c.Chosen {
			if out.Chosen == nil {
				out.Chosen = &ex
				continue
			}
		}
		ex.WhyNot = whyNot(c, chosen)
		out.Others = append(out.Others, ex)
	}
	if n := d.Members - len(d.Candidates); n > 0 {
		out.Unlisted = n
	}
	return out
}

// whyNot tells why the router passed over c for chosen.
func whyNot(c fb.Candidate, chosen *fb.Candidate) string {
	switch c.Reason {
	case fb.ReasonNotReady:
		return "NotReady on facebooksession"
	case fb.ReasonLoggedOut:
		return "logged out: no contact center session"
	case fb.ReasonFull:
		return fmt.Sprintf("full: load %d of capacity %d", c.Load, c.Capacity)
	case routing.ReasonDeclined:
		return "declined this session already in this wait (rejected it or let the offer time out)"
	case routing.ReasonHeld:
		return "held back: an offer of theirs just ran out (NoAnswer on its way), or the directory no longer takes them"
	case "":
	default:
		return c.Reason
	}
	switch {
	case chosen == nil:
		return "ranked lower"
	case c.IdleSince.After(chosen.IdleSince):
		return "idle less long"
	case c.IdleSince.Equal(chosen.IdleSince):
		return "idle as long: the tie goes to the lower agent id"
	}
	return "ranked lower by the router"
}
