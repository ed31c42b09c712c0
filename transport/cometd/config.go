package cometd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fbsession/fbsession/websession"

	"github.com/fbsession/fbsession/users"
)

// Authenticator checks HTTP Basic credentials: users.Authenticator, shared
// with the REST API so that both throttle failed logins together.
type Authenticator interface {
	Authenticate(ctx context.Context, clientAddr, userName, password string) (users.User, error)
}

// Config holds the server's dependencies and limits. The zero limits get
// the defaults.
type Config struct {
	// NATS is the connection notifications are read from; the process
	// needs to subscribe to every user's subjects (see
	// gws.Subjects.ServiceSubscribe).
	NATS *nats.Conn
	// Prefix of the notification subjects; default "gws.v2".
	Prefix string
	Auth   Authenticator
	// ClientAddr is the address failed logins are counted under; default
	// the connection's peer. The REST API's, so that both agree behind a
	// proxy.
	ClientAddr func(*http.Request) string
	// WebSessions, when set, accepts the browser session's cookie
	// instead of Basic credentials (docs/COMETD.md): on long-polling with
	// the session's CSRF token, on the websocket upgrade from a page of
	// the request's own origin. Nil: Basic only.
	WebSessions WebSessions
	// Secure tells whether a request reached the service over TLS, for
	// the scheme of its own origin: the REST API's judgement
	// (httpapi.RequestSecure), which knows the trusted proxies. Default:
	// the connection's own TLS. Over TLS the cookie is
	// __Host-FBSESSIONID.
	Secure func(*http.Request) bool
	// Origins are the origins a page of the service's own sends a
	// request from: the REST API's judgement (httpapi.RequestOrigins),
	// which knows the public URL and the trusted proxies. Default: the
	// request's own, its scheme as Secure says and its Host.
	Origins func(*http.Request) []string

	// MaxClientsPerUser and MaxClients cap the clients held (handshaken,
	// not yet disconnected or expired) for one user and in all; a
	// handshake past either is refused. Defaults 8 and 10,000.
	MaxClientsPerUser, MaxClients int
	// QueueLength and QueueBytes bound the messages waiting for one
	// client; a client past either is dropped. Defaults 1,000 and 4 MiB.
	QueueLength, QueueBytes int
	// QueueBudget bounds the bytes queued for all the clients together; a
	// client whose message would go past it is dropped. Default 256 MiB.
	QueueBudget int64
	// MaxIdle is how long a client may go without a /meta/connect being
	// held for it before it expires (the advice's maxInterval). Default
	// 30s.
	MaxIdle time.Duration
	// Timeout is how long a /meta/connect is held when there is nothing
	// to deliver (the advice's timeout). Default 25s.
	Timeout time.Duration
	// HandshakeTimeout is how long a websocket may stay open without a
	// successful /meta/handshake. Default 10s.
	HandshakeTimeout time.Duration
	// OriginPatterns are the other origins whose pages may open a
	// websocket (github.com/coder/websocket's AcceptOptions); the
	// request's own host always may, and so may clients sending no
	// Origin, which are not browsers.
	OriginPatterns []string

	// Registerer, when set, receives the metrics.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = "gws.v2"
	}
	if c.ClientAddr == nil {
		c.ClientAddr = peerAddr
	}
	if c.Secure == nil {
		c.Secure = func(r *http.Request) bool { return r.TLS != nil }
	}
	if c.Origins == nil {
		secure := c.Secure
		c.Origins = func(r *http.Request) []string {
			scheme := "http"
			if secure(r) {
				scheme = "https"
			}
			return []string{websession.OriginOf(scheme, r.Host)}
		}
	}
	if c.MaxClientsPerUser == 0 {
		c.MaxClientsPerUser = 8
	}
	if c.MaxClients == 0 {
		c.MaxClients = 10_000
	}
	if c.QueueLength == 0 {
		c.QueueLength = 1000
	}
	if c.QueueBytes == 0 {
		c.QueueBytes = 4 << 20
	}
	if c.QueueBudget == 0 {
		c.QueueBudget = 256 << 20
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	if c.MaxIdle == 0 {
		c.MaxIdle = 30 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 25 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

func (c *Config) validate() error {
	switch {
	case c.NATS == nil:
		return errors.New("cometd: no NATS connection")
	case c.Auth == nil:
		return errors.New("cometd: no authenticator")
	case c.MaxClientsPerUser < 0, c.MaxClients < 0, c.QueueLength < 0, c.QueueBytes < 0, c.QueueBudget < 0:
		return fmt.Errorf("cometd: limits must be positive, or 0 for the default (clients per user %d, clients %d, queue %d messages, %d bytes, budget %d bytes)",
			c.MaxClientsPerUser, c.MaxClients, c.QueueLength, c.QueueBytes, c.QueueBudget)
	case c.MaxIdle < 0, c.Timeout < 0, c.HandshakeTimeout < 0:
		return fmt.Errorf("cometd: max idle %s, timeout %s and handshake timeout %s must be positive, or 0 for the default",
			c.MaxIdle, c.Timeout, c.HandshakeTimeout)
	}
	return nil
}

func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
