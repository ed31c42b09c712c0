package daemon

import (
	"context"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/fbsession/fbsession/transport/httpapi"
)

// httpLimits bound what clients, logged in or not, can hold of the HTTP
// server: time to send a request, to read the answer, to sit idle between
// requests, header size, and how many connections are open at once.
type httpLimits struct {
	// ReadHeaderTimeout bounds sending the headers; ReadTimeout the whole
	// request, body included (bodies are at most 64 KiB).
	ReadHeaderTimeout, ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer, for clients that read answers slowly.
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections with no request.
	IdleTimeout    time.Duration
	MaxHeaderBytes int
	// MaxConns connections are served; HealthConns more are kept for
	// /healthz and /readyz, so that a flood of connections does not make the
	// instance look dead to its load balancer.
	MaxConns, HealthConns int
}

// healthConns is the reserve's size and reserveLifetime how long one of its
// connections may live: a health check is one quick request, so that
// flooding connections cannot hold the reserve either.
const (
	healthConns     = 64
	reserveLifetime = 2 * time.Second
)

// defaultHTTPLimits leave room for bodies sent at modem speed and for the
// slowest request (requestTimeout), and keep the connections well inside
// the file limit, which the store, NATS and the log also draw on.
func defaultHTTPLimits(requestTimeout time.Duration) httpLimits {
	return httpLimits{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15*time.Second + requestTimeout,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    32 << 10,
		MaxConns:          maxConns(),
		HealthConns:       healthConns,
	}
}

// maxConns is three quarters of the file limit, at most 10,000: each
// connection costs a file and some 10 KiB of buffers and goroutine.
func maxConns() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return 1000
	}
	return int(min(lim.Cur/4*3, 10_000)) - healthConns
}

func (l httpLimits) server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if lc, ok := c.(*limitedConn); ok && lc.reserve {
				return httpapi.HealthOnly(ctx)
			}
			return ctx
		},
	}
}

// listener caps the connections l accepts at MaxConns, then HealthConns
// more that may only serve health checks, one request each within
// reserveLifetime; past both, Accept waits for a connection to close,
// leaving new ones in the kernel's backlog.
func (l httpLimits) listener(inner net.Listener) net.Listener {
	return &limitListener{Listener: inner,
		general: make(chan struct{}, l.MaxConns), reserve: make(chan struct{}, l.HealthConns)}
}

type limitListener struct {
	net.Listener
	general, reserve chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	select {
	case l.general <- struct{}{}:
		return &limitedConn{Conn: c, slots: l.general}, nil
	default:
	}
	select {
	case l.reserve <- struct{}{}:
		lc := &limitedConn{Conn: c, slots: l.reserve, reserve: true, expires: time.Now().Add(reserveLifetime)}
		return lc, lc.SetDeadline(lc.expires)
	default:
	}
	// Hold this one until a general slot frees, as a full server would
	// have left it in the backlog.
	l.general <- struct{}{}
	return &limitedConn{Conn: c, slots: l.general}, nil
}

// limitedConn gives its slot back once, when closed. A reserve connection
// keeps its deadline however the server moves it.
type limitedConn struct {
	net.Conn
	slots   chan struct{}
	reserve bool
	expires time.Time
	once    sync.Once
}

func (c *limitedConn) clamp(t time.Time) time.Time {
	if c.reserve && (t.IsZero() || t.After(c.expires)) {
		return c.expires
	}
	return t
}

func (c *limitedConn) SetDeadline(t time.Time) error { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *limitedConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.clamp(t))
}
func (c *limitedConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t))
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { <-c.slots })
	return err
}
