package sessionlog

import "strings"

// streamPrefix marks the streams of sessions in the log.
const streamPrefix = "facebooksession-"

// StreamID is the event stream of a session.
func StreamID(sessionID string) string { return streamPrefix + sessionID }

// SessionID is the session of a stream, and whether the stream is a
// session's at all.
func SessionID(streamID string) (string, bool) { return strings.CutPrefix(streamID, streamPrefix) }
