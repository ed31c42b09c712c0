// Package projections runs projectors over the global feed of the event
// store: a Runner reads the feed from a durable checkpoint, wakes on
// appends, holds a lease so that one process at a time runs each projector,
// and advances the checkpoint only after its projector has made a page's
// effects durable. The Notifier is the projector that publishes the GWS
// notifications over NATS JetStream: to the agents, and to the integration
// side.
//
// Delivery is at least once: a crash between a publish and the checkpoint
// re-publishes from the checkpoint, and JetStream drops the repeat by its
// Nats-Msg-Id within the stream's duplicate window.
package projections
