package cometd

import "time"

// connectWait is how long a /meta/connect may be held: the advised
// timeout, or less if the client asks (CometD asks 0 to learn at once
// that it is connected).
func (s *Server) connectWait(m *message) time.Duration {
	wait := s.cfg.Timeout
	if m.Advice != nil && m.Advice.Timeout != nil {
		wait = min(wait, max(time.Duration(*m.Advice.Timeout)*time.Millisecond, 0))
	}
	return wait
}

// heldConnect is a /meta/connect of c being held: gen numbers it among
// c's connects, and release is closed when a newer one begins.
type heldConnect struct {
	m       *message
	c       *client
	release <-chan struct{}
	gen     uint64
}

// beginConnect holds m for c, releasing the connect held before it.
func (s *Server) beginConnect(m *message, c *client) *heldConnect {
	release, gen := c.beginConnect()
	s.metrics.held.Inc()
	return &heldConnect{m: m, c: c, release: release, gen: gen}
}

// endConnect marks h answered (or abandoned).
func (s *Server) endConnect(h *heldConnect) {
	h.c.endConnect(h.release, time.Now())
	s.metrics.held.Dec()
}

// connectReply answers a held /meta/connect: the messages queued for its
// client, then the reply, which depends on whether and why the client was
// removed. A connect a newer one superseded gets the reply alone: the
// queue is the newer one's. n is how many messages were taken.
func (s *Server) connectReply(h *heldConnect) (_ [][]byte, n int) {
	m, c := h.m, h.c
	r := reply{Channel: metaConnect, ID: m.ID, ClientID: c.id}
	switch c.removedFor() {
	case "":
	case reasonDisconnect:
		r.ClientID, r.Error, r.Advice = "", errUnknownClient, &advice{Reconnect: reconnectNone}
		return [][]byte{r.encode()}, 0
	case reasonShutdown:
		return [][]byte{s.shuttingDown(m)}, 0
	default:
		// Expired, overflowed or cut from NATS: a new handshake, and the
		// desktop, told by its /meta/handshake listener, re-reads what it
		// missed.
		return [][]byte{s.unknownClient(m)}, 0
	}
	items, ok := c.take(h.gen)
	if !ok {
		c.pass()
	}
	if s.ctx.Err() != nil {
		return append(items, s.shuttingDown(m)), len(items)
	}
	r.Successful, r.Advice = true, s.advice()
	return append(items, r.encode()), len(items)
}

// shuttingDown sends the client to handshake again: its id dies with
// this process, and another fbsessiond (or this one restarted) gives it
// a new one. Only an unsuccessful connect may advise a handshake.
func (s *Server) shuttingDown(m *message) []byte {
	a := s.advice()
	a.Reconnect = reconnectHandshake
	r := reply{Channel: metaConnect, ID: m.ID, Error: errShuttingDown, Advice: a}
	return r.encode()
}
