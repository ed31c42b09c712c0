package queuelog

import "strings"

// streamPrefix marks the streams of queues in the log.
const streamPrefix = "queue-"

// StreamID is the event stream of the queue named name.
func StreamID(name string) string { return streamPrefix + name }

// Name is the queue of a stream, and whether the stream is a queue's at
// all.
func Name(streamID string) (string, bool) { return strings.CutPrefix(streamID, streamPrefix) }

// IsStream tells whether a stream is a queue's.
func IsStream(streamID string) bool { return strings.HasPrefix(streamID, streamPrefix) }
