package httpapi

import (
	"net"
	"net/netip"
	"sync"
)

// DefaultConnsPerAddress is Limits.ConnsPerAddress by default: room for
// the desktops of an office behind one NAT, each holding a REST
// connection and a CometD long poll (300 desktops take some 600), and a
// tenth of the largest connection cap for any one flooding host.
const DefaultConnsPerAddress = 1024

// addrCounts counts the open connections of each client address, an IPv6
// client by its /64 (which one host commonly holds whole), so that no
// address holds more than max and crowds the others out of the cap.
// Addresses in exempt (the trusted proxies, which carry many clients)
// are not counted.
type addrCounts struct {
	max    int
	exempt []netip.Prefix
	mu     sync.Mutex
	n      map[netip.Prefix]int
}

func newAddrCounts(max int, exempt []netip.Prefix) *addrCounts {
	if max <= 0 {
		return nil
	}
	return &addrCounts{max: max, exempt: exempt, n: map[netip.Prefix]int{}}
}

// take counts a connection from remote, and tells whether it may stay; key
// is what release must be given, invalid when nothing was counted. A
// peer that is not an IP address (a Unix socket) is not counted.
func (a *addrCounts) take(remote net.Addr) (key netip.Prefix, ok bool) {
	if a == nil {
		return netip.Prefix{}, true
	}
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return netip.Prefix{}, true
	}
	addr := ap.Addr().Unmap()
	for _, p := range a.exempt {
		if p.Contains(addr) {
			return netip.Prefix{}, true
		}
	}
	key = netip.PrefixFrom(addr, addr.BitLen())
	if addr.Is6() {
		key, _ = addr.Prefix(64)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n[key] >= a.max {
		return netip.Prefix{}, false
	}
	a.n[key]++
	return key, true
}

func (a *addrCounts) release(key netip.Prefix) {
	if a == nil || !key.IsValid() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n[key] <= 1 {
		delete(a.n, key)
	} else {
		a.n[key]--
	}
}
