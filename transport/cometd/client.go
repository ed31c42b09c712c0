package cometd

import (
	"sync"
	"time"
)

// client is one handshaken CometD client: its user, what it subscribed
// to, and the messages waiting for its next /meta/connect (long-polling)
// or its websocket.
type client struct {
	id   string
	user string

	// wake has room for one signal: messages arrived, or the client was
	// removed. A held /meta/connect or a websocket's writer waits on it.
	wake chan struct{}
	// done is closed when the client is removed.
	done chan struct{}

	mu          sync.Mutex
	queue       [][]byte
	queuedBytes int
	channels    map[string]bool
	// held counts the /meta/connect held for the client now; release is
	// the latest one's, closed when a newer one arrives so that the older
	// is answered at once, as CometD servers do.
	held     int
	release  chan struct{}
	lastSeen time.Time
	removed  string // the reason, once removed
}

func newClient(id, user string, now time.Time) *client {
	return &client{id: id, user: user, wake: make(chan struct{}, 1), done: make(chan struct{}),
		channels: map[string]bool{}, lastSeen: now}
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue adds an encoded message unless that would take the queue past
// maxLen messages or maxBytes; false means the client overflowed.
func (c *client) enqueue(msg []byte, maxLen, maxBytes int) bool {
	c.mu.Lock()
	if c.removed != "" {
		c.mu.Unlock()
		return true
	}
	if len(c.queue) >= maxLen || c.queuedBytes+len(msg) > maxBytes {
		c.mu.Unlock()
		return false
	}
	c.queue = append(c.queue, msg)
	c.queuedBytes += len(msg)
	c.mu.Unlock()
	c.signal()
	return true
}

// take empties the queue.
func (c *client) take() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue, c.queuedBytes = nil, 0
	return q
}

func (c *client) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue) > 0
}

// subscribe adds channels and tells whether the client had none before,
// so that the caller joins the user's feed once.
func (c *client) subscribe(channels []string) (first bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	first = len(c.channels) == 0
	for _, ch := range channels {
		c.channels[ch] = true
	}
	return first
}

// unsubscribe removes channels and tells whether none are left.
func (c *client) unsubscribe(channels []string) (none bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.channels) == 0 {
		return false
	}
	for _, ch := range channels {
		delete(c.channels, ch)
	}
	return len(c.channels) == 0
}

// beginConnect marks a /meta/connect held and releases the one held
// before it; the channel returned is closed if a newer one arrives.
func (c *client) beginConnect() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.release != nil {
		close(c.release)
	}
	c.release = make(chan struct{})
	c.held++
	return c.release
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
	c.queue, c.queuedBytes = nil, 0
	close(c.done)
	return true
}

func (c *client) removedFor() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.removed
}
