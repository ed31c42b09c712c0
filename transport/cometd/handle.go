package cometd

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/fbsession/fbsession/users"
)

// handle answers every message but /meta/connect, which each transport
// holds its own way.
func (s *Server) handle(ctx context.Context, u users.User, m *message, transport string) []byte {
	switch m.Channel {
	case metaHandshake:
		r, _ := s.handshake(u, m, transport)
		return r
	case metaSubscribe:
		return s.subscribe(ctx, u, m)
	case metaUnsubscribe:
		return s.unsubscribe(u, m)
	case metaDisconnect:
		return s.disconnect(u, m)
	}
	r := reply{Channel: m.Channel, ID: m.ID, ClientID: m.ClientID}
	switch {
	case m.Channel == "":
		r.Error = errBadMessage
	case strings.HasPrefix(m.Channel, "/meta/"):
		r.Error = errUnknownChannel
	default:
		// Desktops only listen: publishing is done over REST.
		r.Error = errPublishDenied(m.Channel)
	}
	return r.encode()
}

// handshake makes a client for u; ok tells whether it did.
func (s *Server) handshake(u users.User, m *message, transport string) (_ []byte, ok bool) {
	r := reply{Channel: metaHandshake, ID: m.ID, Version: bayeuxVersion, SupportedConnectionTypes: connectionTypes()}
	if s.ctx.Err() != nil {
		return s.refuse(r, "unavailable", errShuttingDown, time.Second), false
	}
	if len(m.SupportedConnectionTypes) > 0 && !slices.ContainsFunc(m.SupportedConnectionTypes, func(t string) bool {
		return t == transportLongPolling || t == transportWebSocket
	}) {
		r.Error = errConnectionType
		r.Advice = &advice{Reconnect: reconnectNone}
		return r.encode(), false
	}
	c := newClient(newClientID(), u.ID, s.budget, time.Now())
	switch err := s.reg.add(c); {
	case err == nil:
	case errors.Is(err, errUserFull):
		// An abandoned client of theirs (a closed tab) frees its place
		// once expired: try again after that.
		return s.refuse(r, "user_limit", errUserLimit, s.cfg.MaxIdle), false
	case errors.Is(err, errClosed):
		return s.refuse(r, "unavailable", errShuttingDown, time.Second), false
	default:
		return s.refuse(r, "total_limit", errTotalLimit, s.cfg.MaxIdle), false
	}
	s.metrics.clients.Inc()
	r.ClientID, r.Successful, r.Advice = c.id, true, s.advice()
	s.cfg.Logger.Debug("CometD handshake", "client", c.id, "user", u.ID, "transport", transport)
	return r.encode(), true
}

// refuse fails a handshake that may be tried again after interval.
func (s *Server) refuse(r reply, reason, err string, interval time.Duration) []byte {
	s.metrics.refused.WithLabelValues(reason).Inc()
	a := s.advice()
	a.Reconnect, a.Interval = reconnectHandshake, interval.Milliseconds()
	r.Error, r.Advice = err, a
	return r.encode()
}

func (s *Server) subscribe(ctx context.Context, u users.User, m *message) []byte {
	r := reply{Channel: metaSubscribe, ID: m.ID, ClientID: m.ClientID, Subscription: m.Subscription}
	c := s.lookup(u.ID, m)
	if c == nil {
		return s.unknownClient(m)
	}
	channels, err := m.subscriptions()
	if err != nil {
		r.Error = errBadMessage
		return r.encode()
	}
	for _, ch := range channels {
		if !mayReceive(u, ch) {
			r.Error = errForbiddenSubscription(ch)
			return r.encode()
		}
	}
	joinUser, joinSupervisors := c.subscribe(channels)
	if joinUser {
		err = s.feed.join(ctx, c)
	}
	if err == nil && joinSupervisors {
		err = s.feed.joinSupervisors(ctx, c)
	}
	if err != nil {
		if c.removedFor() != "" {
			return s.unknownClient(m)
		}
		s.cfg.Logger.Warn("CometD subscribe", "user", u.ID, "err", err)
		s.leave(c, channels)
		r.Error = errUnavailable
		return r.encode()
	}
	r.Successful = true
	return r.encode()
}

func (s *Server) unsubscribe(u users.User, m *message) []byte {
	r := reply{Channel: metaUnsubscribe, ID: m.ID, ClientID: m.ClientID, Subscription: m.Subscription}
	c := s.lookup(u.ID, m)
	if c == nil {
		return s.unknownClient(m)
	}
	channels, err := m.subscriptions()
	if err != nil {
		r.Error = errBadMessage
		return r.encode()
	}
	s.leave(c, channels)
	r.Successful = true
	return r.encode()
}

func (s *Server) disconnect(u users.User, m *message) []byte {
	c := s.lookup(u.ID, m)
	if c == nil {
		return s.unknownClient(m)
	}
	s.drop(c, reasonDisconnect)
	r := reply{Channel: metaDisconnect, ID: m.ID, ClientID: m.ClientID, Successful: true}
	return r.encode()
}

// leave unsubscribes c from channels, and takes it out of the feeds it
// no longer needs.
func (s *Server) leave(c *client, channels []string) {
	leaveUser, leaveSupervisors := c.unsubscribe(channels)
	if leaveUser {
		s.feed.leaveUser(c)
	}
	if leaveSupervisors {
		s.feed.leaveSupervisors(c)
	}
}
