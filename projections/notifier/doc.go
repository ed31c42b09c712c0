// Package notifier is the projector that publishes the GWS notifications
// of each committed change of a session over NATS JetStream: to the agents
// it concerns, and to the integration side. A projections.Runner feeds it
// the global feed.
//
// A page goes through stages, each in its own file: the sessions' states
// before the page's changes (state.go), the notes each change makes
// (plan.go, notes.go), their messages (envelope.go), and their publication
// in each session's order (order.go, publish.go) to the stream it keeps
// (stream.go).
//
// Delivery is at least once: a crash between a publish and the checkpoint
// re-publishes from the checkpoint, and JetStream drops the repeat by its
// Nats-Msg-Id within the stream's duplicate window.
package notifier
