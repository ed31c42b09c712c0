package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Limits bound what clients, logged in or not, can hold of the HTTP
// server: time to send a request, to read the answer, to sit idle between
// requests, header size, and how many connections are open at once.
type Limits struct {
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
	// ConnsPerAddress caps the connections of one client address (an
	// IPv6 client's /64), so that one host cannot take the whole cap;
	// 0 sets none. ExemptAddresses, the trusted proxies, carry many
	// clients' connections and are not capped.
	ConnsPerAddress int
	ExemptAddresses []netip.Prefix
}

// healthConns is the reserve's size and reserveLifetime how long one of its
// connections may live: a health check is one quick request, so that
// flooding connections cannot hold the reserve either.
const (
	healthConns     = 64
	reserveLifetime = 2 * time.Second
)

// DefaultLimits leave room for bodies sent at modem speed and for the
// slowest request (requestTimeout, Config.RequestTimeout), and keep the
// connections well inside the file limit, which the store, NATS and the
// log also draw on.
func DefaultLimits(requestTimeout time.Duration) Limits {
	return Limits{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15*time.Second + requestTimeout,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    32 << 10,
		MaxConns:          maxConns(),
		HealthConns:       healthConns,
		ConnsPerAddress:   DefaultConnsPerAddress,
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

// BodyRead is how long a request's body may still take once its handler
// runs without outlasting ReadTimeout, which counts from the first byte of
// the headers: those may have taken ReadHeaderTimeout already. It is for
// Config.MaxRequestRead, and 0 (Config's default) if the server has no
// ReadTimeout.
func (l Limits) BodyRead() time.Duration {
	if l.ReadTimeout <= 0 {
		return 0
	}
	return max(l.ReadTimeout-l.ReadHeaderTimeout, time.Millisecond)
}

// Server serves h within the limits; serve it on Listener's listener, which
// marks the connections of the health reserve for the API (HealthOnly).
func (l Limits) Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if lc, ok := c.(*limitedConn); ok && lc.reserve {
				return HealthOnly(ctx)
			}
			return ctx
		},
	}
}
