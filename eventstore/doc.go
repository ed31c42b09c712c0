// Package eventstore is the contract of fbsession's event log: the Store
// interface (the log itself), the small interfaces of what a driver keeps
// beside it in the same database (Views, Sequences, Checkpoints, Leases,
// Scanner), the event and position types, and the sentinel errors. It
// imports no driver; drivers live in subpackages (postgres, sqlite) and all
// pass the conformance suite in eventstoretest. It knows nothing of
// facebooksessions: event data, metadata and view documents are bytes it
// stores and hashes.
//
// Every stream is an append-only list of events numbered 1, 2, ... Each event
// is chained to the previous event of its stream by a SHA-256 hash (see
// ChainHash), so that an edited, removed or reordered event is detectable
// with this package alone.
package eventstore
