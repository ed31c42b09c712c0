package cometd

import (
	"errors"
	"sync"
)

var (
	errUserFull  = errors.New("too many clients for this user")
	errTotalFull = errors.New("too many clients")
	errClosed    = errors.New("server closed")
)

// registry holds the clients by id, within the caps per user and in all.
type registry struct {
	maxTotal, maxPerUser int

	mu sync.Mutex
	// closed: no more clients, so that a handshake racing Close does not
	// leave one behind.
	closed  bool
	byID    map[string]*client
	perUser map[string]int
}

func newRegistry(maxTotal, maxPerUser int) *registry {
	return &registry{maxTotal: maxTotal, maxPerUser: maxPerUser, byID: map[string]*client{}, perUser: map[string]int{}}
}

func (r *registry) add(c *client) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	if r.perUser[c.user] >= r.maxPerUser {
		return errUserFull
	}
	if len(r.byID) >= r.maxTotal {
		return errTotalFull
	}
	r.byID[c.id] = c
	r.perUser[c.user]++
	return nil
}

func (r *registry) get(id string) *client {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// remove tells whether c was there: only one remover acts on a client.
func (r *registry) remove(c *client) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID[c.id] != c {
		return false
	}
	delete(r.byID, c.id)
	if r.perUser[c.user]--; r.perUser[c.user] <= 0 {
		delete(r.perUser, c.user)
	}
	return true
}

// close refuses clients from now on and returns those held.
func (r *registry) close() []*client {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	return r.all()
}

func (r *registry) all() []*client {
	r.mu.Lock()
	defer r.mu.Unlock()
	cs := make([]*client, 0, len(r.byID))
	for _, c := range r.byID {
		cs = append(cs, c)
	}
	return cs
}
