// Package queuelog is a queue in the log: the stream id (queue-<name>),
// the stored format of the domain/queue events and the fold of a stream.
//
// The stream is named by the queue's name, not its id, so that the log
// itself keeps names unique: two processes adding one name race for the
// same stream and the append's expected version lets one win. A removed
// queue's stream goes on: adding the name again appends a new QueueAdded,
// with a new id, to it.
//
// The metadata of its events is the command side's, sessionlog.Metadata,
// as for sessions and agents: the actor, the referenceId, the operation.
package queuelog
