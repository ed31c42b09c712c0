package cometd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fbsession/fbsession/gws"
)

// flushTimeout bounds the wait for NATS to confirm a new subscription, so
// that a subscribe answered successful does not miss the notifications of
// the next request; NATS down, the subscription starts once it is back.
const flushTimeout = 2 * time.Second

// fanout subscribes to a user's notification subject while one of their
// clients is subscribed, and queues each message for each of them. One
// NATS subscription per user keeps the user's messages in arrival order.
type fanout struct {
	nc       *nats.Conn
	subjects gws.Subjects
	maxLen   int
	maxBytes int
	log      *slog.Logger
	metrics  *metrics
	// drop removes a client, for overflow, the budget, or messages
	// NATS dropped.
	drop func(*client, string)
	// pendingMsgs, when set, is each subscription's limit of messages
	// waiting for delivery (the tests', to make a slow consumer).
	pendingMsgs int

	mu    sync.Mutex
	users map[string]*userFeed
	// supervisors is the supervisors' feed (supervisor.go), nil while no
	// client is subscribed to a supervisor channel.
	supervisors *supervisorFeed
}

type userFeed struct {
	sub *nats.Subscription
	// channels is the user's channel-state subject: its messages go to
	// ChannelsChannel, the others to Channel.
	channels string
	clients  map[*client]struct{}
	// ready is closed once NATS confirmed the subscription (or gave up).
	ready chan struct{}
	// dropped is how many messages the subscription had dropped, as a
	// slow consumer, when last looked at (under fanout.mu).
	dropped int
}

var errRemoved = errors.New("client removed")

// join adds c to its user's feed, subscribing to NATS for the user's
// first client.
func (f *fanout) join(ctx context.Context, c *client) error {
	f.mu.Lock()
	if c.removedFor() != "" {
		f.mu.Unlock()
		return errRemoved
	}
	feed := f.users[c.user]
	created := feed == nil
	if created {
		feed = &userFeed{clients: map[*client]struct{}{}, ready: make(chan struct{}), channels: f.subjects.Channels(c.user)}
		subject := f.subject(c.user)
		sub, err := f.nc.Subscribe(subject, func(m *nats.Msg) { f.deliver(c.user, feed, m) })
		if err != nil {
			f.mu.Unlock()
			return fmt.Errorf("subscribing to %s: %w", subject, err)
		}
		if f.pendingMsgs > 0 {
			_ = sub.SetPendingLimits(f.pendingMsgs, -1)
		}
		feed.sub = sub
		f.users[c.user] = feed
	}
	feed.clients[c] = struct{}{}
	f.mu.Unlock()
	if created {
		f.confirm(ctx, feed)
	}
	select {
	case <-feed.ready:
	case <-ctx.Done():
	}
	return nil
}

// confirm waits for the server to have the subscription, and says so if
// it refused it: fbsessiond's NATS user needs to subscribe to the users'
// subjects for CometD, which a publisher-only configuration forbids.
func (f *fanout) confirm(ctx context.Context, feed *userFeed) {
	defer close(feed.ready)
	if !f.nc.IsConnected() {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if err := f.nc.FlushWithContext(fctx); err != nil {
		f.log.Debug("NATS did not confirm a CometD subscription yet", "subject", feed.sub.Subject, "err", err)
		return
	}
	if err := f.nc.LastError(); errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), feed.sub.Subject) {
		f.log.Error("NATS refused fbsessiond's subscription to notifications: CometD clients get none; allow its user to subscribe to "+strings.Join(f.subjects.ServiceSubscribe(), ", "),
			"subject", feed.sub.Subject, "err", err)
	}
}

// leaveUser removes c from its user's feed, unsubscribing after the last.
func (f *fanout) leaveUser(c *client) {
	f.mu.Lock()
	defer f.mu.Unlock()
	feed := f.users[c.user]
	if feed == nil {
		return
	}
	if _, ok := feed.clients[c]; !ok {
		return
	}
	delete(feed.clients, c)
	if len(feed.clients) == 0 {
		delete(f.users, c.user)
		// Failing only when the connection is closing or closed, which
		// ends the subscription anyway.
		if err := feed.sub.Unsubscribe(); err != nil {
			f.log.Debug("unsubscribing from notifications", "subject", feed.sub.Subject, "err", err)
		}
	}
}

// deliver runs on the subscription's own goroutine, one message at a time.
func (f *fanout) deliver(user string, feed *userFeed, m *nats.Msg) {
	// Embedded as it is, a body that is not JSON would make the whole
	// response unreadable to the client.
	if !json.Valid(m.Data) {
		f.log.Warn("notification body is not JSON; not sent to CometD clients", "subject", m.Subject)
		return
	}
	// Counted once it is in the clients' queues: a client that connects
	// after the count rises finds it there.
	defer f.metrics.received.Inc()
	channel := Channel
	if m.Subject == feed.channels {
		channel = ChannelsChannel
	}
	msg := dataMessage(channel, m.Data)
	var drops []drop
	f.mu.Lock()
	if f.users[user] == feed { // not a subscription being dropped
		drops = f.queue(feed.clients, f.lost(feed), channel, msg)
	}
	f.mu.Unlock()
	f.dropAll(drops)
}

// A drop is a client to remove, and why, once f.mu is released.
type drop struct {
	c      *client
	reason string
}

// queue puts msg in the queue of each of clients that wants channel,
// under f.mu. When their feed lost messages, every client is dropped
// instead: what it would receive has a gap, so it handshakes again and
// re-reads rather than miss it unknowingly.
func (f *fanout) queue(clients map[*client]struct{}, lost bool, channel string, msg []byte) []drop {
	var drops []drop
	for c := range clients {
		switch {
		case lost:
			drops = append(drops, drop{c, reasonNATS})
		case !c.wants(channel):
		default:
			if reason := c.enqueue(msg, f.maxLen, f.maxBytes); reason != "" {
				drops = append(drops, drop{c, reason})
			}
		}
	}
	return drops
}

func (f *fanout) dropAll(drops []drop) {
	for _, d := range drops {
		f.drop(d.c, d.reason)
	}
}

// lost tells whether feed's subscription dropped messages since last
// asked (under f.mu).
func (f *fanout) lost(feed *userFeed) bool {
	n, err := feed.sub.Dropped()
	if err != nil || n <= feed.dropped {
		return false
	}
	feed.dropped = n
	f.log.Warn("NATS dropped notifications of a user (slow consumer): their CometD clients are dropped, to handshake again", "subject", feed.sub.Subject, "dropped", n)
	return true
}

// checkDropped drops the clients of the users whose subscription dropped
// messages, also when no message came after the gap; and the
// supervisors' clients if theirs did.
func (f *fanout) checkDropped() {
	drops := f.lostSupervisorClients()
	f.mu.Lock()
	for _, feed := range f.users {
		if f.lost(feed) {
			for c := range feed.clients {
				drops = append(drops, c)
			}
		}
	}
	f.mu.Unlock()
	for _, c := range drops {
		f.drop(c, reasonNATS)
	}
}

// subscribed are the clients in a feed, each once.
func (f *fanout) subscribed() []*client {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[*client]struct{}{}
	for _, feed := range f.users {
		for c := range feed.clients {
			seen[c] = struct{}{}
		}
	}
	if f.supervisors != nil {
		for c := range f.supervisors.clients {
			seen[c] = struct{}{}
		}
	}
	return slices.Collect(maps.Keys(seen))
}

// subject carries every notification of the user: their sessions' and
// their channels', in one subscription and so in arrival order.
func (f *fanout) subject(user string) string {
	return f.subjects.UserAll(user)
}
