// Package queue is the aggregate behind a queue: its name and id, the
// offer timeout and NoAnswer rule the router applies to its sessions, and
// its members, the agents it offers sessions to.
//
// It is pure: Decide turns a command and the current state into events,
// Evolve folds an event into the state. Nothing here reads a clock, a
// directory or the network; the id a new queue gets, whether a member is
// an agent, and storage belong to the callers (commands, queuelog).
package queue
