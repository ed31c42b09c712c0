package cometd

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/fbsession/fbsession/users"
)

// wsWriteTimeout bounds one write to a websocket: a client that does not
// read is cut off, and its messages wait in its bounded queue.
const wsWriteTimeout = 10 * time.Second

// serveWebSocket authenticates the upgrade request, which carries the
// browser session's cookie (a browser sends it with the upgrade; the
// CometD websocket transport sends no headers) or Basic credentials (the
// Node client takes them from the URL), and serves the Bayeux messages
// of the connection.
func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if !s.track() {
		http.Error(w, errShuttingDown, http.StatusServiceUnavailable)
		return
	}
	defer s.sessions.Done()
	creds := credentials{addr: s.cfg.ClientAddr(r)}
	var u users.User
	var denied *denial
	if token, ok := s.sessionToken(r); ok {
		creds.token = token
		if denied = s.sameOrigin(r); denied == nil {
			_, u, denied = s.checkSession(r.Context(), creds.addr, token)
		}
	} else if name, password, ok := r.BasicAuth(); ok {
		creds.name, creds.password = name, password
		u, denied = s.check(r.Context(), creds.addr, name, password)
	} else {
		denied = &denial{reason: "credentials", err: errAuthentication, status: http.StatusUnauthorized}
	}
	if denied != nil {
		s.metrics.refused.WithLabelValues(denied.reason).Inc()
		denied.writeHTTP(w)
		return
	}
	if status := s.openWebSocket(u.ID); status != 0 {
		if status == http.StatusTooManyRequests {
			s.metrics.refused.WithLabelValues("websocket_user_limit").Inc()
			w.Header().Set("Retry-After", strconv.Itoa(int(s.cfg.MaxIdle.Seconds())))
			http.Error(w, errUserLimit, status)
		} else {
			s.metrics.refused.WithLabelValues("websocket_total_limit").Inc()
			http.Error(w, errTotalLimit, status)
		}
		return
	}
	defer s.closeWebSocket(u.ID)
	// The server's deadlines, meant for one request, would otherwise end
	// the hijacked connection.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.acceptOrigins(r)})
	if err != nil {
		s.cfg.Logger.Debug("CometD websocket upgrade failed", "err", err)
		return
	}
	conn.SetReadLimit(maxBody)
	s.metrics.websockets.Inc()
	defer s.metrics.websockets.Dec()
	ws := &wsSession{s: s, conn: conn, user: u, creds: creds, connects: make(chan *message)}
	ws.run()
}

// track counts a websocket session for Close to wait for, unless closed.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.sessions.Add(1)
	return true
}

// openWebSocket counts a websocket of user within the caps, the same as
// the clients': per user and in all. It is the HTTP status refusing the
// upgrade, or 0.
func (s *Server) openWebSocket(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.wsPerUser[user] >= s.cfg.MaxClientsPerUser:
		return http.StatusTooManyRequests
	case s.wsTotal >= s.cfg.MaxClients:
		return http.StatusServiceUnavailable
	}
	s.wsPerUser[user]++
	s.wsTotal++
	return 0
}

func (s *Server) closeWebSocket(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wsPerUser[user]--; s.wsPerUser[user] <= 0 {
		delete(s.wsPerUser, user)
	}
	s.wsTotal--
}

// wsSession is one websocket: a reader answering the client's messages,
// and a writer holding its /meta/connect and pushing its messages as they
// come.
type wsSession struct {
	s    *Server
	conn *websocket.Conn
	// user is the user as of the upgrade, for their id; the reader keeps
	// the user as of the last check of the credentials, for what they may
	// do.
	user users.User
	// The credentials are checked again at each handshake, connect and
	// subscribe (Basic's from the authenticator's cache, a session in the
	// database), so that a disabled user, a changed password or a logout
	// ends the connection within a connect's timeout, and a role or
	// feature taken away holds for the next subscribe at once.
	creds    credentials
	connects chan *message
}

// ending is how the reader ends the connection: the last replies, then
// the close status.
type ending struct {
	items  [][]byte
	code   websocket.StatusCode
	reason string
	// drop is the client of the message that ended it.
	drop *client
}

func (ws *wsSession) run() {
	readCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readDone, writeDone := make(chan struct{}), make(chan struct{})
	var bound *client // the writer's, once it is done
	go func() {
		defer close(writeDone)
		bound = ws.writeLoop(readDone)
	}()
	end := ws.readLoop(readCtx, writeDone)
	close(readDone)
	<-writeDone
	if end != nil {
		// Credentials no longer accepted: nothing more reaches this
		// connection, nor the clients it served.
		for _, c := range []*client{end.drop, bound} {
			if c != nil && c.user == ws.user.ID {
				ws.s.drop(c, reasonDisconnect)
			}
		}
		if len(end.items) > 0 {
			ws.write(end.items)
		}
		_ = ws.conn.Close(end.code, end.reason)
	}
	_ = ws.conn.CloseNow()
}

func (ws *wsSession) readLoop(ctx context.Context, writeDone <-chan struct{}) *ending {
	// A live client sends a connect at least every timeout; a connection
	// silent for longer than a client may be idle holds nothing anyone
	// uses, and is closed. Until its first successful handshake, it may
	// only be open for the handshake timeout.
	silence := ws.s.cfg.Timeout + ws.s.cfg.MaxIdle
	var handshaken atomic.Bool
	noHandshake := time.AfterFunc(ws.s.cfg.HandshakeTimeout, func() {
		if !handshaken.Load() {
			_ = ws.conn.Close(websocket.StatusPolicyViolation, "no handshake")
		}
	})
	defer noHandshake.Stop()
	u := ws.user
	for {
		rctx, cancel := context.WithTimeout(ctx, silence)
		typ, data, err := ws.conn.Read(rctx)
		cancel()
		if err != nil {
			return nil
		}
		if typ != websocket.MessageText {
			_ = ws.conn.Close(websocket.StatusUnsupportedData, "Bayeux messages are JSON text")
			return nil
		}
		msgs, err := decodeBatch(data)
		if err != nil {
			_ = ws.conn.Close(websocket.StatusPolicyViolation, "not a Bayeux batch")
			return nil
		}
		var out [][]byte
		for i := range msgs {
			m := &msgs[i]
			if m.Channel == metaHandshake || m.Channel == metaConnect || m.Channel == metaSubscribe {
				now, denied := ws.s.recheck(ctx, ws.creds)
				if denied == nil && now.ID != ws.user.ID {
					// The credentials name another user now (the name
					// given to someone else): not the clients' user.
					denied = &denial{reason: "credentials", err: errAuthentication, status: http.StatusUnauthorized}
				}
				if denied != nil {
					// Whatever the denial, the connection ends: one the
					// client could keep open by failing logins, or while
					// the directory is down, would go on carrying the
					// notifications of credentials no longer checked.
					ws.s.metrics.refused.WithLabelValues(denied.reason).Inc()
					c := ws.s.reg.get(m.ClientID)
					return &ending{items: append(out, ws.s.denialReply(denied, m)), code: websocket.StatusPolicyViolation, reason: denied.err, drop: c}
				}
				u = now
			}
			switch m.Channel {
			case metaConnect:
				// The CometD client opens a new websocket with the client
				// id it has, without a new handshake: a connect of one of
				// this user's live clients counts as one.
				if c := ws.s.reg.get(m.ClientID); c != nil && c.user == ws.user.ID {
					handshaken.Store(true)
				}
				select {
				case ws.connects <- m:
				case <-writeDone:
					return nil
				}
			case metaHandshake:
				r, ok := ws.s.handshake(u, m, transportWebSocket)
				if ok {
					handshaken.Store(true)
				}
				out = append(out, r)
			default:
				out = append(out, ws.s.handle(ctx, u, m, transportWebSocket))
			}
		}
		if len(out) > 0 && !ws.write(out) {
			return nil
		}
	}
}

// writeLoop holds at most one /meta/connect, of the client last bound to
// the connection by one, and sends that client's messages at once while
// the connection's connect is the client's latest: a newer one, on
// another connection or a long poll, takes the client over. It returns
// the client bound when it ends.
func (ws *wsSession) writeLoop(readDone <-chan struct{}) *client {
	var (
		c       *client
		gen     uint64 // of the latest connect of c begun here
		h       *heldConnect
		release <-chan struct{}
		timeout <-chan time.Time
	)
	var wake, done <-chan struct{}
	// takenFrom are the clients whose queued messages this round's answer
	// carries: a connect may answer the client held before it, then its
	// own, and c has moved on by the time the write fails.
	var takenFrom []*client
	answer := func() ([][]byte, int) {
		items, n := ws.s.connectReply(h)
		ws.s.endConnect(h)
		if n > 0 {
			takenFrom = append(takenFrom, c)
		}
		h, release, timeout = nil, nil, nil
		return items, n
	}
	unbind := func() { c, wake, done = nil, nil, nil }
	for {
		var out [][]byte
		var n int
		takenFrom = takenFrom[:0]
		select {
		case m := <-ws.connects:
			if h != nil {
				out, n = answer()
			}
			next := ws.s.lookup(ws.user.ID, m)
			if next == nil {
				out = append(out, ws.s.unknownClient(m))
				unbind()
				break
			}
			c, wake, done = next, next.wake, next.done
			h = ws.s.beginConnect(m, c)
			gen, release = h.gen, h.release
			if wait := ws.s.connectWait(m); wait > 0 && !c.pending() {
				timeout = time.After(wait)
			} else {
				items, k := answer()
				out, n = append(out, items...), n+k
			}
		case <-wake:
			items, ok := c.take(gen)
			if !ok {
				// Taken over: the signal is the newer connect's.
				c.pass()
				if h != nil {
					out, n = answer()
				}
				unbind()
				break
			}
			out, n = items, len(items)
			if n > 0 {
				takenFrom = append(takenFrom, c)
			}
		case <-timeout:
			out, n = answer()
		case <-release:
			// A newer connect took the client over: it gets the queue,
			// and this connection nothing more of the client's.
			out, n = answer()
			unbind()
		case <-done:
			if h != nil {
				out, n = answer()
			}
			unbind()
		case <-ws.s.ctx.Done():
			if h != nil {
				items, _ := answer()
				ws.write(items)
			}
			_ = ws.conn.Close(websocket.StatusGoingAway, "server shutting down")
			return c
		case <-readDone:
			if h != nil {
				c.pass()
				ws.s.endConnect(h)
			}
			return c
		}
		if !ws.deliver(out, n, h, takenFrom) {
			return c
		}
	}
}

// deliver writes a round's answer of n messages, taken from the queues of
// takenFrom, while h is held. When the write fails, the connection is
// closed and the clients are dropped: taken from their queues and not
// delivered, they must not go on with a gap they do not know of.
func (ws *wsSession) deliver(out [][]byte, n int, h *heldConnect, takenFrom []*client) bool {
	if len(out) == 0 {
		return true
	}
	if !ws.write(out) {
		if h != nil {
			ws.s.endConnect(h)
		}
		for _, lost := range takenFrom {
			ws.s.drop(lost, reasonLost)
		}
		_ = ws.conn.CloseNow() // ends the reader too
		return false
	}
	ws.s.metrics.delivered.Add(float64(n))
	return true
}

func (ws *wsSession) write(items [][]byte) bool {
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	err := ws.conn.Write(ctx, websocket.MessageText, encodeBatch(items))
	if err != nil && !errors.Is(err, context.Canceled) {
		ws.s.cfg.Logger.Debug("CometD websocket write failed", "user", ws.user.ID, "err", err)
	}
	return err == nil
}
