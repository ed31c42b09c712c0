// Package facebooksession is the aggregate behind a Facebook private-message
// session of the GWS Facebook Private Messaging API.
//
// It is pure: Decide turns a command and the current state into events,
// Evolve folds an event into the state. Nothing here reads a clock, a random
// source or the network; time, identity and storage belong to the callers.
package facebooksession
