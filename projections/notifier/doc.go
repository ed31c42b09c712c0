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
// Each time its runner takes the lease, before it publishes, the notifier
// checks that the log did not go back under what the stream holds, as an
// asynchronous failover makes it (rewind.go): it reads the stream's last
// messages (lost.go, sighting.go), looks their changes up in the log
// (finder.go), reports the lost ones and publishes a corrective
// StatusChange of each session they touched (resync.go), and resumes from
// a change the log kept when the log lacks its checkpoint's (resume.go).
//
// Delivery is at least once: a crash between a publish and the checkpoint
// re-publishes from the checkpoint, and JetStream drops the repeat by its
// Nats-Msg-Id within the stream's duplicate window.
package notifier
