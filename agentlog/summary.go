package agentlog

import (
	"strconv"
	"strings"

	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/eventstore"
)

// Summary tells in one line what an event did to the agent's channels,
// for history; empty for an event this binary cannot read.
func Summary(rec *eventstore.RecordedEvent) string {
	e, err := DecodeRecord(rec)
	if err != nil {
		return ""
	}
	switch e := e.(type) {
	case as.SessionStarted:
		return "session started on " + strings.Join(e.Channels, ", ") + ": NotReady"
	case as.SessionEnded:
		return "session ended on " + strings.Join(e.Channels, ", ")
	case as.ChannelReady:
		return e.Channel + " Ready"
	case as.ChannelNotReady:
		if e.ReasonCode != "" {
			return e.Channel + " NotReady, reason " + e.ReasonCode
		}
		return e.Channel + " NotReady"
	case as.ChannelCapacitySet:
		return e.Channel + " capacity set to " + strconv.Itoa(e.Capacity)
	}
	return ""
}
