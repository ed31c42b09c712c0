package agentlog

import "strings"

// streamPrefix marks the streams of agents' channels in the log.
const streamPrefix = "agent-"

// StreamID is the event stream of an agent's channels.
func StreamID(agentID string) string { return streamPrefix + agentID }

// AgentID is the agent of a stream, and whether the stream is an agent's
// at all.
func AgentID(streamID string) (string, bool) { return strings.CutPrefix(streamID, streamPrefix) }
