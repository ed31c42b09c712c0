package notifier

import (
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A session's message is handed to JetStream only once the session's
// message before it on the same kind of subject (the agents', or the
// integration side's) is acknowledged: within a change as across changes.
// Had both been in flight and the earlier one failed, JetStream could
// store the later one, and the retry would store the earlier one after it:
// a desktop would show a completed session chatting again. Every publish
// of a message then follows an ack of the one before it, so JetStream
// stores each session's messages for the agents, and those for the
// integration side, in commit order, however publishes fail, and
// whichever process publishes. The two chains do not wait for each other:
// a subscriber reads one kind of subject, and a Complete's two messages
// then go out together. Messages of other sessions are not held: they
// stay pipelined.

// publication is one message of a session on its way to JetStream.
type publication struct {
	// msg is nil for a change with nothing to publish (an InFocus): it
	// settles as the message before it did, so that the session's chain
	// has no gap a later change could slip through.
	msg *nats.Msg
	// chain is the session and the kind of subject: the messages kept in
	// order behind each other.
	chain   string
	first   int64 // version of the change's first event
	version int64 // and of its last
	index   int   // the message's place among its change's in its chain, from 0
	final   bool  // the change's last message in its chain
	// prev is the session's message before this one when it was still in
	// flight as this one was registered; nil when none is.
	prev *publication
	// settled is closed once the outcome is known; err is then nil if
	// JetStream acknowledged the message, or why it did not.
	settled chan struct{}
	err     error
}

// held tells whether the message must wait for the one before it.
func (p *publication) held() bool { return p.prev != nil }

// follows tells whether q is the session's message right before p.
func (p *publication) follows(q *publication) bool {
	if p.index > 0 {
		return q.version == p.version && q.index == p.index-1
	}
	return q.final && q.version == p.first-1
}

// id is the message's Nats-Msg-Id, for errors.
func (p *publication) id() string {
	if p.msg == nil {
		return p.chain + ":" + strconv.FormatInt(p.version, 10)
	}
	return p.msg.Header.Get(jetstream.MsgIDHeader)
}

// sessionOrder links each message to the session's message before it, among
// the pages a runner has started since it last abandoned any.
type sessionOrder struct {
	mu sync.Mutex
	// latest is each chain's last message registered, while unsettled
	// or not stored: a session whose last message was stored needs no
	// entry.
	latest map[string]*publication
	// abandoned is closed when the runner gives up on the pages in flight.
	abandoned chan struct{}
}

func newSessionOrder() *sessionOrder {
	return &sessionOrder{latest: map[string]*publication{}, abandoned: make(chan struct{})}
}

// register records a page's messages in feed order, each behind the
// session's message right before it if that one is not stored yet. Only
// the message right before counts: an entry of another change is a page
// being retried or a session projected elsewhere meanwhile, whose earlier
// messages are durable. It returns the channel closed if the runner
// abandons the page.
func (o *sessionOrder) register(pubs []*publication) <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, p := range pubs {
		p.settled = make(chan struct{})
		if prev := o.latest[p.chain]; prev != nil && p.follows(prev) {
			p.prev = prev
		}
		o.latest[p.chain] = p
	}
	return o.abandoned
}

// settle records the outcome of a publication, nil when it is stored. One
// not stored stays the session's latest, so that a message registered
// after it, before the runner abandons, is not published either.
func (o *sessionOrder) settle(p *publication, err error) {
	p.err = err
	close(p.settled)
	if err != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.latest[p.chain] == p {
		delete(o.latest, p.chain)
	}
}

// abandon forgets the messages in flight: the runner publishes them again
// from its checkpoint, and every message before that is stored, so
// nothing registered from then on waits for them. Held messages not yet
// published are dropped.
func (o *sessionOrder) abandon() {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.abandoned)
	o.abandoned = make(chan struct{})
	o.latest = map[string]*publication{}
}
