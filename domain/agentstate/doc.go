// Package agentstate is the aggregate behind an agent's channels: the
// contact center session an agent starts and ends, and the state of each
// channel in it (Ready, NotReady with an optional reason), as the GWS
// "Set Agent State for a Particular Channel" and supervisor "Agent State
// Control" operations change them; and the agent's capacity on each
// channel, which an administrator sets and which outlives the session.
//
// It is pure: Decide turns a command and the current state into events,
// Evolve folds an event into the state. Nothing here reads a clock, a
// directory or the network; identity and storage belong to the callers.
package agentstate
