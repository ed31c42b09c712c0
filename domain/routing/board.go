package routing

import (
	"slices"
	"time"

	as "github.com/fbsession/fbsession/domain/agentstate"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// Rule is the name of the rule the board applies, recorded with each
// decision.
const Rule = "longest-idle"

// ReasonDeclined: the member rejected this session, or let its offer time
// out, in this wait, and another member could take it.
const ReasonDeclined = "Declined"

// ReasonHeld: the member is Ready in their stream, but the router holds
// them back until their channel changes: an offer of theirs just ran out
// (their NoAnswer NotReady is on its way), or the directory no longer
// takes them as an agent.
const ReasonHeld = "Held"

// DefaultCapacity is an agent's capacity for facebooksession until one is
// set.
const DefaultCapacity = as.DefaultCapacity

// maxDeclined bounds the agents a session remembers as having declined it.
const maxDeclined = fb.MaxCandidates

// Queue is a queue's configuration, as its stream leaves it.
type Queue struct {
	Name             string
	OfferTimeout     time.Duration
	NoAnswerNotReady bool
	Members          []string
}

// Board is the router's picture. Not safe for concurrent use: the router
// holds it under its lock.
type Board struct {
	queues   map[string]*queue
	agents   map[string]*agent
	sessions map[string]*session
	timers   timers
}

type queue struct {
	name string
	// configured: the queue exists (added and not removed); sessions may
	// wait in a queue that does not, and are routed once it does.
	configured       bool
	offerTimeout     time.Duration
	noAnswerNotReady bool
	members          []string // sorted
	// waiting are the sessions waiting in the queue, in their order:
	// waitingSince, then id.
	waiting []*session
}

type agent struct {
	id string
	// started: a contact center session with facebooksession is started.
	started, ready bool
	capacity       int
	// load counts the sessions the log gives the agent: offered or
	// chatting.
	load      int
	idleSince time.Time
	// reserved counts the board's own offers whose Route is under way,
	// and reservedAt is when the last was chosen: both count as if the
	// log had them, until it does.
	reserved   int
	reservedAt time.Time
	// hold keeps the router from offering to the agent until their next
	// channel event: their offer ran out (NoAnswer on its way), or the
	// directory refused them.
	hold bool
	// owed is the NoAnswer NotReady the log says the agent is owed: an
	// offer of theirs timed out in a queue that sets it, and no channel
	// event of theirs came since. sending: the router is on it.
	owed    *NoAnswer
	sending bool
}

// free tells whether the agent can be offered one more session now.
func (a *agent) free() bool { return a.load+a.reserved < a.capacity }

// idle is when the agent last became idle, for the rule: the later of
// their last offer (the log's or the board's) and their last Ready.
func (a *agent) idle() time.Time {
	if a.reservedAt.After(a.idleSince) {
		return a.reservedAt
	}
	return a.idleSince
}

type session struct {
	id      string
	version int64
	status  fb.Status
	agent   string
	// queue is where the session waits, or waited last: where a rejected
	// or timed-out offer, a Leave or a Withdraw sends it back.
	queue        string
	waiting      bool
	waitingSince time.Time
	// since is when the session was last offered, accepted, or left with
	// no agent and no queue: what a supervisor is shown besides
	// waitingSince (View).
	since  time.Time
	offers int
	// offer is the router's offer running, with its deadline; nil for an
	// offer made by intake, a transfer or the integration API's Route.
	offer    *offer
	declined []string
	// reserved is the agent the board offered the session to, while its
	// Route is under way and the log does not show it yet.
	reserved string
	// held: a Route failed because the session changed; it waits for the
	// log to show how before it is offered again.
	held bool
}

type offer struct {
	s        *session
	agent    string
	number   int
	deadline time.Time
	timeout  time.Duration
	// noAnswerNotReady is the queue's rule when the offer was made.
	noAnswerNotReady bool
	// index is the offer's place in the timers' heap, -1 when out of it
	// (firing, or dropped).
	index int
}

// New returns an empty board.
func New() *Board {
	return &Board{queues: map[string]*queue{}, agents: map[string]*agent{}, sessions: map[string]*session{}}
}

func (b *Board) queue(name string) *queue {
	q, ok := b.queues[name]
	if !ok {
		q = &queue{name: name}
		b.queues[name] = q
	}
	return q
}

func (b *Board) agent(id string) *agent {
	a, ok := b.agents[id]
	if !ok {
		a = &agent{id: id, capacity: DefaultCapacity}
		b.agents[id] = a
	}
	return a
}

// SetQueue puts a queue's configuration on the board: added or changed.
func (b *Board) SetQueue(cfg Queue) {
	q := b.queue(cfg.Name)
	q.configured = true
	q.offerTimeout, q.noAnswerNotReady = cfg.OfferTimeout, cfg.NoAnswerNotReady
	q.members = slices.Clone(cfg.Members)
	slices.Sort(q.members)
	q.members = slices.Compact(q.members)
}

// RemoveQueue takes a queue's configuration off the board. Its waiting
// sessions stay, unrouted, until a queue of that name exists again.
func (b *Board) RemoveQueue(name string) {
	q := b.queue(name)
	q.configured, q.members = false, nil
}

// Queues are the names of the configured queues, sorted.
func (b *Board) Queues() []string {
	names := make([]string, 0, len(b.queues))
	for name, q := range b.queues {
		if q.configured {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Figures are a queue's live figures.
type Figures struct {
	Waiting     int
	OldestWait  time.Duration
	AgentsReady int
	// AgentsBusy counts members holding at least one session, offered or
	// chatting.
	AgentsBusy int
}

// Figures are the live figures of the named queue at now; zero for a
// queue the board does not know.
func (b *Board) Figures(name string, now time.Time) Figures {
	q, ok := b.queues[name]
	if !ok {
		return Figures{}
	}
	f := Figures{Waiting: len(q.waiting)}
	if len(q.waiting) > 0 {
		f.OldestWait = max(0, now.Sub(q.waiting[0].waitingSince))
	}
	for _, id := range q.members {
		a, ok := b.agents[id]
		if !ok {
			continue
		}
		if a.started && a.ready {
			f.AgentsReady++
		}
		if a.load+a.reserved > 0 {
			f.AgentsBusy++
		}
	}
	return f
}
