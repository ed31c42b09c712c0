package cometd

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/fbsession/fbsession/users"
)

// wsWriteTimeout bounds one write to a websocket: a client that does not
// read is cut off, and its messages wait in its bounded queue.
const wsWriteTimeout = 10 * time.Second

// serveWebSocket authenticates the upgrade request, which carries the
// Basic credentials (a browser sends those it holds for the origin; the
// Node client takes them from the URL), and serves the Bayeux messages
// of the connection.
func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if !s.track() {
		http.Error(w, errShuttingDown, http.StatusServiceUnavailable)
		return
	}
	defer s.sessions.Done()
	addr := s.cfg.ClientAddr(r)
	name, password, ok := r.BasicAuth()
	var u users.User
	var denied *denial
	if !ok {
		denied = &denial{reason: "credentials", err: errAuthentication, status: http.StatusUnauthorized}
	} else {
		u, denied = s.check(r.Context(), addr, name, password)
	}
	if denied != nil {
		s.metrics.refused.WithLabelValues(denied.reason).Inc()
		denied.writeHTTP(w)
		return
	}
	// The server's deadlines, meant for one request, would otherwise end
	// the hijacked connection.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.cfg.OriginPatterns})
	if err != nil {
		s.cfg.Logger.Debug("CometD websocket upgrade failed", "err", err)
		return
	}
	conn.SetReadLimit(maxBody)
	s.metrics.websockets.Inc()
	defer s.metrics.websockets.Dec()
	ws := &wsSession{s: s, conn: conn, user: u, addr: addr, name: name, password: password, connects: make(chan *message)}
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

// wsSession is one websocket: a reader answering the client's messages,
// and a writer holding its /meta/connect and pushing its messages as they
// come.
type wsSession struct {
	s    *Server
	conn *websocket.Conn
	user users.User
	// The credentials are checked again at each handshake and connect
	// (from the authenticator's cache), so that a disabled user or a
	// changed password ends the connection within a connect's timeout.
	addr, name, password string
	connects             chan *message
}

func (ws *wsSession) run() {
	readCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readDone, writeDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(writeDone)
		ws.writeLoop(readDone)
	}()
	ws.readLoop(readCtx, writeDone)
	close(readDone)
	<-writeDone
	_ = ws.conn.CloseNow()
}

func (ws *wsSession) readLoop(ctx context.Context, writeDone <-chan struct{}) {
	// A live client sends a connect at least every timeout; a connection
	// silent for longer than a client may be idle holds nothing anyone
	// uses, and is closed.
	silence := ws.s.cfg.Timeout + ws.s.cfg.MaxIdle
	for {
		rctx, cancel := context.WithTimeout(ctx, silence)
		typ, data, err := ws.conn.Read(rctx)
		cancel()
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			_ = ws.conn.Close(websocket.StatusUnsupportedData, "Bayeux messages are JSON text")
			return
		}
		msgs, err := decodeBatch(data)
		if err != nil {
			_ = ws.conn.Close(websocket.StatusPolicyViolation, "not a Bayeux batch")
			return
		}
		var out [][]byte
		var end *denial
		for i := range msgs {
			m := &msgs[i]
			if m.Channel == metaHandshake || m.Channel == metaConnect {
				if _, denied := ws.s.check(ctx, ws.addr, ws.name, ws.password); denied != nil {
					ws.s.metrics.refused.WithLabelValues(denied.reason).Inc()
					out = append(out, denied.reply(m, ws.s.cfg.Timeout))
					if !denied.retry {
						end = denied
					}
					continue
				}
			}
			if m.Channel == metaConnect {
				select {
				case ws.connects <- m:
				case <-writeDone:
					return
				}
				continue
			}
			out = append(out, ws.s.handle(ctx, ws.user, m, transportWebSocket))
		}
		if len(out) > 0 && !ws.write(out) {
			return
		}
		if end != nil {
			_ = ws.conn.Close(websocket.StatusPolicyViolation, end.err)
			return
		}
	}
}

// writeLoop holds at most one /meta/connect, of the client last bound to
// the connection by one, and sends that client's messages at once.
func (ws *wsSession) writeLoop(readDone <-chan struct{}) {
	var (
		c       *client
		held    *message
		release <-chan struct{}
		timeout <-chan time.Time
	)
	var wake, done <-chan struct{}
	answer := func() [][]byte {
		items := ws.s.connectReply(held, c)
		c.endConnect(release, time.Now())
		held, release, timeout = nil, nil, nil
		return items
	}
	for {
		var out [][]byte
		select {
		case m := <-ws.connects:
			if held != nil {
				out = answer()
			}
			next := ws.s.lookup(ws.user.ID, m)
			if next == nil {
				out = append(out, ws.s.unknownClient(m))
				c, wake, done = nil, nil, nil
				break
			}
			c, wake, done = next, next.wake, next.done
			held, release = m, c.beginConnect()
			if wait := ws.s.connectWait(m); wait > 0 && !c.pending() {
				timeout = time.After(wait)
			} else {
				out = append(out, answer()...)
			}
		case <-wake:
			out = c.take()
			ws.s.metrics.delivered.Add(float64(len(out)))
		case <-timeout:
			out = answer()
		case <-release:
			out = answer()
		case <-done:
			if held != nil {
				out = answer()
			}
			c, wake, done = nil, nil, nil
		case <-ws.s.ctx.Done():
			if held != nil {
				ws.write(answer())
			}
			_ = ws.conn.Close(websocket.StatusGoingAway, "server shutting down")
			return
		case <-readDone:
			if held != nil {
				c.endConnect(release, time.Now())
			}
			return
		}
		if len(out) > 0 && !ws.write(out) {
			if held != nil {
				c.endConnect(release, time.Now())
			}
			_ = ws.conn.CloseNow() // ends the reader too
			return
		}
	}
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
