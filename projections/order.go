package projections

import (
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A later change of a session is handed to JetStream only once the change
// before it is acknowledged. Had both been in flight and the earlier one
// failed, JetStream could store the later one, and the retry would store
// the earlier one after it: a desktop would show a completed session
// chatting again. Every publish of a change then follows an ack of the
// change before it, so JetStream stores each session's changes in commit
// order, however publishes fail, and whichever process publishes. Changes
// of other sessions are not held: they stay pipelined.

// publication is one change of a session on its way to JetStream.
type publication struct {
	msg     *nats.Msg
	stream  string
	first   int64 // version of the change's first event
	version int64 // and of its last
	// prev is the session's change before this one when it was still in
	// flight as this one was registered; nil when none is.
	prev *publication
	// settled is closed once the outcome is known; err is then nil if
	// JetStream acknowledged the message, or why it did not.
	settled chan struct{}
	err     error
}

// held tells whether the change must wait for the one before it.
func (p *publication) held() bool { return p.prev != nil }

// id is the message's Nats-Msg-Id, for errors.
func (p *publication) id() string { return p.msg.Header.Get(jetstream.MsgIDHeader) }

// sessionOrder links each change to the session's change before it, among
// the pages a runner has started since it last abandoned any.
type sessionOrder struct {
	mu sync.Mutex
	// latest is each session's last change registered, while unsettled or
	// not stored: a session whose last change was stored needs no entry.
	latest map[string]*publication
	// abandoned is closed when the runner gives up on the pages in flight.
	abandoned chan struct{}
}

func newSessionOrder() *sessionOrder {
	return &sessionOrder{latest: map[string]*publication{}, abandoned: make(chan struct{})}
}

// register records a page's changes in feed order, each behind the
// session's change right before it if that one is not stored yet. Only the
// version right before counts: an entry of another version is a page
// being retried or a session projected elsewhere meanwhile, whose earlier
// changes are durable. It returns the channel closed if the runner
// abandons the page.
func (o *sessionOrder) register(pubs []*publication) <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, p := range pubs {
		p.settled = make(chan struct{})
		if prev := o.latest[p.stream]; prev != nil && prev.version == p.first-1 {
			p.prev = prev
		}
		o.latest[p.stream] = p
	}
	return o.abandoned
}

// settle records the outcome of a publication, nil when it is stored. One
// not stored stays the session's latest, so that a change registered after
// it, before the runner abandons, is not published either.
func (o *sessionOrder) settle(p *publication, err error) {
	p.err = err
	close(p.settled)
	if err != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.latest[p.stream] == p {
		delete(o.latest, p.stream)
	}
}

// abandon forgets the changes in flight: the runner publishes them again
// from its checkpoint, and every change before that is stored, so nothing
// registered from then on waits for them. Held changes not yet published
// are dropped.
func (o *sessionOrder) abandon() {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.abandoned)
	o.abandoned = make(chan struct{})
	o.latest = map[string]*publication{}
}
