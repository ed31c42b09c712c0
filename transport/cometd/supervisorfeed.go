package cometd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/users"
)

// supervisorFeed is the process's subscriptions to every agent's channel
// states and every session's integration subject, held while one of its
// clients is subscribed to a supervisor channel.
type supervisorFeed struct {
	channels, sessions *nats.Subscription
	clients            map[*client]struct{}
	// users counts the clients of each user, for revoked.
	users map[string]int
	// ready is closed once NATS confirmed the subscriptions.
	ready chan struct{}
	// dropped is how many messages each subscription had dropped when
	// last looked at (under fanout.mu).
	droppedChannels, droppedSessions int
}

// joinSupervisors adds c to the supervisors' feed, subscribing to NATS
// for the first.
func (f *fanout) joinSupervisors(ctx context.Context, c *client) error {
	f.mu.Lock()
	if c.removedFor() != "" {
		f.mu.Unlock()
		return errRemoved
	}
	feed := f.supervisors
	created := feed == nil
	if created {
		feed = &supervisorFeed{clients: map[*client]struct{}{}, users: map[string]int{}, ready: make(chan struct{})}
		var err error
		if feed.channels, err = f.subscribeSupervisors(feed, f.subjects.Channels("*")); err == nil {
			feed.sessions, err = f.subscribeSupervisors(feed, f.subjects.Integration("*"))
		}
		if err != nil {
			if feed.channels != nil {
				_ = feed.channels.Unsubscribe()
			}
			f.mu.Unlock()
			return err
		}
		f.supervisors = feed
	}
	if _, in := feed.clients[c]; !in {
		feed.clients[c] = struct{}{}
		feed.users[c.user]++
	}
	f.mu.Unlock()
	if created {
		f.confirmSupervisors(ctx, feed)
	}
	select {
	case <-feed.ready:
	case <-ctx.Done():
	}
	return nil
}

func (f *fanout) subscribeSupervisors(feed *supervisorFeed, subject string) (*nats.Subscription, error) {
	sub, err := f.nc.Subscribe(subject, func(m *nats.Msg) { f.deliverSupervisors(feed, m) })
	if err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", subject, err)
	}
	if f.pendingMsgs > 0 {
		_ = sub.SetPendingLimits(f.pendingMsgs, -1)
	}
	return sub, nil
}

// confirmSupervisors waits for NATS to have both subscriptions, as
// confirm does a user's.
func (f *fanout) confirmSupervisors(ctx context.Context, feed *supervisorFeed) {
	defer close(feed.ready)
	if !f.nc.IsConnected() {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if err := f.nc.FlushWithContext(fctx); err != nil {
		f.log.Debug("NATS did not confirm the supervisors' subscriptions yet", "err", err)
		return
	}
	if err := f.nc.LastError(); errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), f.subjects.Prefix()) {
		f.log.Error("NATS refused fbsessiond's subscription to the supervisors' notifications: their CometD clients get none; allow its user to subscribe to "+strings.Join(f.subjects.ServiceSubscribe(), ", "),
			"err", err)
	}
}

// leaveSupervisors removes c from the supervisors' feed, unsubscribing
// after the last.
func (f *fanout) leaveSupervisors(c *client) {
	f.mu.Lock()
	defer f.mu.Unlock()
	feed := f.supervisors
	if feed == nil {
		return
	}
	if _, ok := feed.clients[c]; !ok {
		return
	}
	delete(feed.clients, c)
	if feed.users[c.user]--; feed.users[c.user] <= 0 {
		delete(feed.users, c.user)
	}
	if len(feed.clients) == 0 {
		f.supervisors = nil
		for _, sub := range []*nats.Subscription{feed.channels, feed.sessions} {
			if err := sub.Unsubscribe(); err != nil {
				f.log.Debug("unsubscribing from the supervisors' notifications", "subject", sub.Subject, "err", err)
			}
		}
	}
}

// deliverSupervisors runs on a subscription's own goroutine, one message
// at a time: an agent's channel state goes to SupervisorChannelsChannel
// wrapped with the agent's id, a session's notification to
// SupervisorSessionsChannel as it is.
func (f *fanout) deliverSupervisors(feed *supervisorFeed, m *nats.Msg) {
	if !json.Valid(m.Data) {
		f.log.Warn("notification body is not JSON; not sent to CometD clients", "subject", m.Subject)
		return
	}
	defer f.metrics.received.Inc()
	channel, body := SupervisorSessionsChannel, m.Data
	if kind, agent, _, _ := f.subjects.Parse(m.Subject); kind == gws.KindUsers {
		if !validToken(agent) {
			return // not a subject the notifier publishes
		}
		channel = SupervisorChannelsChannel
		body = make([]byte, 0, len(agent)+len(m.Data)+24)
		body = append(body, `{"userId":"`...)
		body = append(body, agent...)
		body = append(body, `","message":`...)
		body = append(body, m.Data...)
		body = append(body, '}')
	}
	msg := dataMessage(channel, body)
	var drops []drop
	f.mu.Lock()
	if f.supervisors == feed {
		drops = f.queue(feed.clients, f.lostSupervisors(feed), channel, msg)
	}
	f.mu.Unlock()
	f.dropAll(drops)
}

// lostSupervisors tells whether either of feed's subscriptions dropped
// messages since last asked (under f.mu): every supervisor client then
// has a gap, and handshakes again.
func (f *fanout) lostSupervisors(feed *supervisorFeed) bool {
	lost := false
	for _, s := range []struct {
		sub  *nats.Subscription
		seen *int
	}{{feed.channels, &feed.droppedChannels}, {feed.sessions, &feed.droppedSessions}} {
		n, err := s.sub.Dropped()
		if err != nil || n <= *s.seen {
			continue
		}
		*s.seen = n
		f.log.Warn("NATS dropped notifications for the supervisors (slow consumer): their CometD clients are dropped, to handshake again", "subject", s.sub.Subject, "dropped", n)
		lost = true
	}
	return lost
}

// lostSupervisorClients are the clients of the supervisors' feed if its
// subscriptions dropped messages since last asked, else none.
func (f *fanout) lostSupervisorClients() []*client {
	f.mu.Lock()
	defer f.mu.Unlock()
	feed := f.supervisors
	if feed == nil || !f.lostSupervisors(feed) {
		return nil
	}
	cs := make([]*client, 0, len(feed.clients))
	for c := range feed.clients {
		cs = append(cs, c)
	}
	return cs
}

// revoked are u's clients subscribed to channels u may no longer
// receive.
func (f *fanout) revoked(u users.User) []*client {
	f.mu.Lock()
	defer f.mu.Unlock()
	var cs []*client
	if !u.HasFeature(users.FeatureMultimedia) {
		if feed := f.users[u.ID]; feed != nil {
			for c := range feed.clients {
				cs = append(cs, c)
			}
		}
	}
	if feed := f.supervisors; feed != nil && feed.users[u.ID] > 0 && !u.Has(users.RoleSupervisor) {
		for c := range feed.clients {
			if c.user == u.ID {
				cs = append(cs, c)
			}
		}
	}
	return cs
}
