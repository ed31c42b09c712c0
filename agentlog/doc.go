// Package agentlog is an agent's channels in the log: the stream id
// (agent-<userId>), the stored format of the domain/agentstate events and
// the fold of a stream. The metadata of its events is the command side's,
// sessionlog.Metadata, as for sessions.
package agentlog
