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

// connectReply answers a held /meta/connect of c: the messages queued for
// it, then the reply, which depends on whether and why c was removed.
func (s *Server) connectReply(m *message, c *client) [][]byte {
	r := reply{Channel: metaConnect, ID: m.ID, ClientID: c.id}
	switch c.removedFor() {
	case "":
	case reasonDisconnect:
		r.ClientID, r.Error, r.Advice = "", errUnknownClient, &advice{Reconnect: reconnectNone}
		return [][]byte{r.encode()}
	case reasonShutdown:
		return [][]byte{s.shuttingDown(m)}
	default:
		// Expired or overflowed: a new handshake, and the desktop, told by
		// its /meta/handshake listener, re-reads what it missed.
		return [][]byte{s.unknownClient(m)}
	}
	items := c.take()
	s.metrics.delivered.Add(float64(len(items)))
	if s.ctx.Err() != nil {
		return append(items, s.shuttingDown(m))
	}
	r.Successful, r.Advice = true, s.advice()
	return append(items, r.encode())
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
