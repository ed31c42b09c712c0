package userlog

import "strings"

// streamPrefix marks the streams of users in the log.
const streamPrefix = "user-"

// StreamID is the event stream of a user.
func StreamID(userID string) string { return streamPrefix + userID }

// UserID is the user of a stream, and whether the stream is a user's at
// all.
func UserID(streamID string) (string, bool) { return strings.CutPrefix(streamID, streamPrefix) }
