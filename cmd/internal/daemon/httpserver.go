package daemon

import (
	"context"
	"fmt"
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

// maxConns is three quarters of the file limit, at most 10,000, less the
// health reserve: each connection costs a file and some 10 KiB of buffers
// and goroutine.
func maxConns() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return 1000
	}
	return connsFor(lim.Cur)
}

// connsFor is at least 1 however low the file limit: a channel of negative
// capacity panics and one of none blocks Accept for good, and a process
// with so few files fails on its own, with a clearer error, when it opens
// the store or dials NATS.
func connsFor(fileLimit uint64) int {
	return max(int(min(fileLimit/4*3, 10_000))-healthConns, 1)
}

// bodyRead is how long a request's body may still take once its handler
// runs without outlasting ReadTimeout, which counts from the first byte of
// the headers: those may have taken ReadHeaderTimeout already. It is for
// httpapi.Config.MaxRequestRead, and 0 (httpapi's default) if the server
// has no ReadTimeout.
func (l httpLimits) bodyRead() time.Duration {
	if l.ReadTimeout <= 0 {
		return 0
	}
	return max(l.ReadTimeout-l.ReadHeaderTimeout, time.Millisecond)
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
// leaving new ones in the kernel's backlog. MaxConns is at least 1 there,
// or Accept would wait for good.
func (l httpLimits) listener(inner net.Listener) net.Listener {
	return &limitListener{Listener: inner, done: make(chan struct{}),
		general: make(chan struct{}, max(l.MaxConns, 1)), reserve: make(chan struct{}, max(l.HealthConns, 0))}
}

// errListenerClosed is what Accept returns once Close was called, also to
// an Accept that was waiting for a slot.
var errListenerClosed = fmt.Errorf("connection limit: %w", net.ErrClosed)

type limitListener struct {
	net.Listener
	general, reserve chan struct{}
	// done is closed by Close, so that an Accept waiting for a slot gives
	// up instead of handing a connection to a server that has shut down.
	done      chan struct{}
	closeOnce sync.Once
}

// Accept hands over the next connection it can admit. One it cannot keep
// a deadline on is closed and the next accepted: returning the error would
// stop http.Server.Serve, which retries only temporary errors.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		lc, err := l.admit(c)
		if err != nil {
			return nil, err
		}
		if !lc.reserve {
			return lc, nil
		}
		if err := lc.SetDeadline(lc.expires); err == nil {
			return lc, nil
		}
		_ = lc.Close() // gives the slot back
	}
}

// admit takes a general slot, else a reserve one, else waits for a general
// one until Close; a connection it cannot admit it closes.
func (l *limitListener) admit(c net.Conn) (*limitedConn, error) {
	var lc *limitedConn
	select {
	case l.general <- struct{}{}:
		lc = &limitedConn{Conn: c, slots: l.general}
	default:
		select {
		case l.reserve <- struct{}{}:
			lc = &limitedConn{Conn: c, slots: l.reserve, reserve: true, expires: time.Now().Add(reserveLifetime)}
		default:
			// Hold this one until a general slot frees, as a full server
			// would have left it in the backlog.
			select {
			case l.general <- struct{}{}:
				lc = &limitedConn{Conn: c, slots: l.general}
			case <-l.done:
				_ = c.Close()
				return nil, errListenerClosed
			}
		}
	}
	// A slot and Close may have been ready at once.
	select {
	case <-l.done:
		_ = lc.Close()
		return nil, errListenerClosed
	default:
		return lc, nil
	}
}

// Close also releases an Accept waiting for a slot.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	if err := l.Listener.Close(); err != nil {
		return fmt.Errorf("connection limit: %w", err)
	}
	return nil
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
