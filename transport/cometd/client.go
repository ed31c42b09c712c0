package cometd

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// client is one handshaken CometD client: its user, what it subscribed
// to, and the messages waiting for its next /meta/connect (long-polling)
// or its websocket.
type client struct {
	id   string
	user string

	// wake has room for one signal: messages arrived, or the client was
	// removed. A held /meta/connect or a websocket's writer waits on it;
	// one that takes a signal it may not act on passes it on (pass).
	wake chan struct{}
	// budget counts the bytes queued for every client of the process.
	budget *budget
	// done is closed when the client is removed.
	done chan struct{}

	mu          sync.Mutex
	queue       [][]byte
	queuedBytes int
	channels    map[string]bool
	// held counts the /meta/connect held for the client now; release is
	// the latest one's, closed when a newer one arrives so that the older
	// is answered at once, as CometD servers do.
	held    int
	release chan struct{}
	// connects counts the /meta/connects begun: only the latest one's
	// holder (a long poll, or a websocket's writer) takes the queue.
	connects uint64
	lastSeen time.Time
	removed  string // the reason, once removed
}

func newClient(id, user string, b *budget, now time.Time) *client {
	return &client{id: id, user: user, budget: b, wake: make(chan struct{}, 1), done: make(chan struct{}),
		channels: map[string]bool{}, lastSeen: now}
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// pass hands a wake signal on to the latest connect's holder, for a
// holder that took one and will not take the queue.
func (c *client) pass() {
	if c.pending() {
		c.signal()
	}
}

// enqueue adds an encoded message unless that would take the queue past
// maxLen messages or maxBytes, or the process past its budget: it tells
// which (reasonOverflow, reasonBudget), or "" when queued.
func (c *client) enqueue(msg []byte, maxLen, maxBytes int) string {
	c.mu.Lock()
	if c.removed != "" {
		c.mu.Unlock()
		return ""
	}
	if len(c.queue) >= maxLen || c.queuedBytes+len(msg) > maxBytes {
		c.mu.Unlock()
		return reasonOverflow
	}
	if !c.budget.take(len(msg)) {
		c.mu.Unlock()
		return reasonBudget
	}
	c.queue = append(c.queue, msg)
	c.queuedBytes += len(msg)
	c.mu.Unlock()
	c.signal()
	return ""
}

// take empties the queue if the connect numbered gen (beginConnect) is
// still the client's latest; ok is false if a newer one began, which is
// left the queue.
func (c *client) take(gen uint64) (_ [][]byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.connects != gen {
		return nil, false
	}
	q := c.queue
	c.budget.give(c.queuedBytes)
	c.queue, c.queuedBytes = nil, 0
	return q, true
}

func (c *client) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue) > 0
}

// feeds tells which feeds the client's channels need (under c.mu): its
// user's (channels over /v2/me), the supervisors' (over /v2/supervisor).
func (c *client) feeds() (user, supervisors bool) {
	for ch := range c.channels {
		user = user || mine(ch)
		supervisors = supervisors || supervising(ch)
	}
	return user, supervisors
}

// subscribe adds channels and tells which feeds the client is to join:
// those it needs now and did not before, so that the caller joins each
// once.
func (c *client) subscribe(channels []string) (joinUser, joinSupervisors bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	user, sup := c.feeds()
	for _, ch := range channels {
		c.channels[ch] = true
	}
	nowUser, nowSup := c.feeds()
	return nowUser && !user, nowSup && !sup
}

// wants tells whether the client subscribed to channel, itself or by a
// wildcard over its parent (/v2/me/*, /v2/me/**).
func (c *client) wants(channel string) bool {
	parent := channel[:strings.LastIndexByte(channel, '/')+1]
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.channels[channel] || c.channels[parent+"*"] || c.channels[parent+"**"]
}

// unsubscribe removes channels and tells which feeds the client is to
// leave: those it needed before and no longer does.
func (c *client) unsubscribe(channels []string) (leaveUser, leaveSupervisors bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	user, sup := c.feeds()
	for _, ch := range channels {
		delete(c.channels, ch)
	}
	nowUser, nowSup := c.feeds()
	return user && !nowUser, sup && !nowSup
}

// beginConnect marks a /meta/connect held and releases the one held
// before it; the channel returned is closed if a newer one arrives, and
// gen numbers the connect, for take.
func (c *client) beginConnect() (release <-chan struct{}, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.release != nil {
		close(c.release)
	}
	c.release = make(chan struct{})
	c.held++
	c.connects++
	return c.release, c.connects
}

// endConnect marks a held /meta/connect answered: the client's idle time
// counts from now.
func (c *client) endConnect(release <-chan struct{}, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held--
	if c.release == release {
		c.release = nil
	}
	c.lastSeen = now
}

// idle tells whether no /meta/connect was held for the client for longer
// than maxIdle.
func (c *client) idle(now time.Time, maxIdle time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held == 0 && now.Sub(c.lastSeen) > maxIdle
}

// remove marks the client removed for reason, once; the queue is freed.
func (c *client) remove(reason string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed != "" {
		return false
	}
	c.removed = reason
	c.budget.give(c.queuedBytes)
	c.queue, c.queuedBytes = nil, 0
	close(c.done)
	return true
}

func (c *client) removedFor() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.removed
}

// budget bounds the bytes queued for all the clients of a process
// together: each client's own bound, times the clients, is far more than
// a process should hold.
type budget struct {
	max    int64
	queued atomic.Int64
}

// take reserves n bytes, unless that would go past the budget.
func (b *budget) take(n int) bool {
	if b.queued.Add(int64(n)) > b.max {
		b.queued.Add(-int64(n))
		return false
	}
	return true
}

func (b *budget) give(n int) { b.queued.Add(-int64(n)) }
