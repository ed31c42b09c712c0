package cometd

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fbsession/fbsession/gws"
)

// Server is the Bayeux server, an http.Handler for /api/v2/notifications
// and the paths below it (the CometD client appends /handshake,
// /connect... to the URL for long-polling).
type Server struct {
	cfg     Config
	reg     *registry
	feed    *fanout
	budget  *budget
	metrics *metrics

	// ctx ends with Close: held connects are answered, websockets closed.
	ctx       context.Context
	cancel    context.CancelFunc
	swept     chan struct{}
	closeOnce sync.Once

	// sessions counts the websockets, for Close to wait for; none start
	// once closed.
	mu       sync.Mutex
	closed   bool
	sessions sync.WaitGroup
	// wsPerUser and wsTotal count the open websockets, capped as the
	// clients are.
	wsPerUser map[string]int
	wsTotal   int
}

// New starts a server; Close stops it.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, reg: newRegistry(cfg.MaxClients, cfg.MaxClientsPerUser), metrics: newMetrics(cfg.Registerer),
		budget: &budget{max: cfg.QueueBudget}, swept: make(chan struct{}), wsPerUser: map[string]int{}}
	s.feed = &fanout{nc: cfg.NATS, subjects: gws.NewSubjects(cfg.Prefix), maxLen: cfg.QueueLength, maxBytes: cfg.QueueBytes,
		log: cfg.Logger, metrics: s.metrics, users: map[string]*userFeed{},
		drop: s.drop}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.sweep()
	return s, nil
}

// Close answers the connects held, closes the websockets and forgets every
// client, whose CometD library then handshakes again (with another
// fbsessiond, or this one restarted). It waits for the websockets to
// close. Made for http.Server.RegisterOnShutdown, which does not wait for
// hijacked connections, nor end long polls.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		<-s.swept
		for _, c := range s.reg.close() {
			s.drop(c, reasonShutdown)
		}
		s.sessions.Wait()
	})
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case isUpgrade(r):
		s.serveWebSocket(w, r)
	case r.Method == http.MethodPost:
		s.serveLongPolling(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "Bayeux: POST messages, or open a websocket", http.StatusMethodNotAllowed)
	}
}

func isUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// sweep expires the clients nobody connects for any more.
func (s *Server) sweep() {
	defer close(s.swept)
	t := time.NewTicker(max(min(s.cfg.MaxIdle/10, time.Second), 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			for _, c := range s.reg.all() {
				if c.idle(now, s.cfg.MaxIdle) {
					s.drop(c, reasonExpired)
				}
			}
			s.feed.checkDropped()
		}
	}
}

// NATSReconnected drops every subscribed client: the notifications
// published while this process was cut from NATS are lost to it (core
// NATS keeps nothing), so its clients handshake again and their desktops
// re-read their sessions. The daemon calls it from the connection's
// reconnect handler.
func (s *Server) NATSReconnected() {
	n := 0
	for _, c := range s.feed.subscribed() {
		s.drop(c, reasonNATS)
		n++
	}
	if n > 0 {
		s.cfg.Logger.Info("NATS reconnected: CometD clients dropped, to handshake again and re-read their sessions", "clients", n)
	}
}

// drop removes c for reason: out of the registry and its user's feed, its
// queue freed, and a connect held for it answered.
func (s *Server) drop(c *client, reason string) {
	if !s.reg.remove(c) {
		return
	}
	c.remove(reason)
	s.feed.leave(c)
	s.metrics.clients.Dec()
	s.metrics.removed.WithLabelValues(reason).Inc()
	if reason != reasonDisconnect && reason != reasonShutdown {
		s.cfg.Logger.Debug("CometD client removed", "client", c.id, "user", c.user, "reason", reason)
	}
}

// lookup is the client m names, if it belongs to user: a client id
// presented by another user is answered as unknown, which neither tells
// them it exists nor disturbs its owner.
func (s *Server) lookup(user string, m *message) *client {
	c := s.reg.get(m.ClientID)
	if c == nil || c.user != user {
		s.metrics.refused.WithLabelValues("unknown_client").Inc()
		return nil
	}
	return c
}

// advice is the normal one: connect again at once, held up to timeout.
func (s *Server) advice() *advice {
	return &advice{Reconnect: reconnectRetry, Timeout: s.cfg.Timeout.Milliseconds(), MaxInterval: s.cfg.MaxIdle.Milliseconds()}
}

func (s *Server) unknownClient(m *message) []byte {
	a := s.advice()
	a.Reconnect = reconnectHandshake
	r := reply{Channel: m.Channel, ID: m.ID, Error: errUnknownClient, Advice: a}
	return r.encode()
}

func newClientID() string { return rand.Text() }
