// Package wakeup broadcasts "something changed" to any number of waiters
// without losing a signal sent between a waiter's check and its wait.
package wakeup

import "sync"

// Broadcaster hands out the channel of the current generation and closes it
// on Broadcast. A waiter takes the channel before it looks for work, so a
// change made after the look still wakes it.
type Broadcaster struct {
	mu sync.Mutex
	ch chan struct{}
}

// New returns a Broadcaster.
func New() *Broadcaster { return &Broadcaster{ch: make(chan struct{})} }

// C returns the channel that the next Broadcast closes.
func (b *Broadcaster) C() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

// Broadcast wakes every holder of the current channel.
func (b *Broadcaster) Broadcast() {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.ch)
	b.ch = make(chan struct{})
}
