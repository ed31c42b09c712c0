package httpapi

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Listener caps the connections inner accepts at MaxConns, then HealthConns
// more that may only serve health checks, one request each within
// reserveLifetime; past both, Accept waits for a connection to close,
// leaving new ones in the kernel's backlog. MaxConns is at least 1 there,
// or Accept would wait for good. A client address already holding
// ConnsPerAddress has its new connections closed at once, before they
// take a slot: waiting would leave them in the backlog ahead of other
// clients'.
func (l Limits) Listener(inner net.Listener) net.Listener {
	return &limitListener{Listener: inner, done: make(chan struct{}),
		general: make(chan struct{}, max(l.MaxConns, 1)), reserve: make(chan struct{}, max(l.HealthConns, 0)),
		perAddr: newAddrCounts(l.ConnsPerAddress, l.ExemptAddresses)}
}

// errListenerClosed is what Accept returns once Close was called, also to
// an Accept that was waiting for a slot.
var errListenerClosed = fmt.Errorf("connection limit: %w", net.ErrClosed)

type limitListener struct {
	net.Listener
	general, reserve chan struct{}
	perAddr          *addrCounts // nil: no cap per address
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
		key, ok := l.perAddr.take(c.RemoteAddr())
		if !ok {
			_ = c.Close()
			continue
		}
		lc, err := l.admit(c)
		if err != nil {
			l.perAddr.release(key)
			return nil, err
		}
		lc.perAddr, lc.addrKey = l.perAddr, key
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
	perAddr *addrCounts
	addrKey netip.Prefix
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
	c.once.Do(func() {
		<-c.slots
		c.perAddr.release(c.addrKey)
	})
	return err
}
