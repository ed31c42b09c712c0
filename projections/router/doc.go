// Package router offers queued sessions to agents. Every fbsessiond runs
// one: each folds the whole log into a routing.Board, from the start, so
// that it can answer a queue's live figures; the one that holds the
// "router" lease also decides, carrying out the board's offers as Route
// commands (with the decision recorded) and its expired offers as TimeOut
// commands, then the NoAnswer NotReady of the agent who let one run out.
//
// Nothing the router knows lives anywhere but the log: a queued session is
// one whose stream says so, an offer's deadline is its SessionRouted's
// time plus the timeout it records. A router that dies loses nothing: the
// next holder of the lease folds the same log, offers what waits, and
// times out what ran out meanwhile. The session aggregate refuses a Route
// of a session that is not waiting, so two routers (a lease taken over
// while its old holder still ran) never offer one session twice.
package router
