// Package routing is the router's rule and the picture it decides on: the
// queues with their members and waiting sessions, the agents with their
// channel state, capacity and load, and the offers running with their
// deadlines. It is pure: the router (projections/router) feeds it the
// log's events with their times, asks it what to offer and what has timed
// out at a given now, and carries out the answers as commands.
//
// The rule, "longest-idle" (docs/API.md, Routing): sessions are taken
// oldest first, by the time they were queued, across every queue; a
// session is offered to one member of its queue who is Ready on
// facebooksession and has a free place (load below capacity), the one
// idle longest: idle since the later of their last offer and their last
// Ready, ties by agent id. A member who declined the session in this wait
// (rejected it, or let its offer time out) is passed over while another
// member can take it. An offer holds a place until it is accepted,
// rejected or timed out; a session chatting holds one until it leaves the
// agent.
package routing
