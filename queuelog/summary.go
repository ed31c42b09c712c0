package queuelog

import (
	"fmt"
	"strings"

	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
)

// maxSummaryAgents bounds the agents a summary names; the rest are
// counted.
const maxSummaryAgents = 10

// Summary tells in one line what an event did to the queue, for history;
// empty for an event this binary cannot read.
func Summary(rec *eventstore.RecordedEvent) string {
	e, err := Decode(rec)
	if err != nil {
		return ""
	}
	switch e := e.(type) {
	case queue.QueueAdded:
		return fmt.Sprintf("queue %s added, id %s, %s", e.Name, e.ID, settings(e.OfferTimeoutSeconds, e.NoAnswerNotReady))
	case queue.QueueChanged:
		return "set " + settings(e.OfferTimeoutSeconds, e.NoAnswerNotReady)
	case queue.QueueRemoved:
		return "queue removed"
	case queue.QueueMembersAdded:
		return "members added: " + agents(e.Agents)
	case queue.QueueMembersRemoved:
		return "members removed: " + agents(e.Agents)
	}
	return ""
}

func settings(timeout int, noAnswerNotReady bool) string {
	s := fmt.Sprintf("offer timeout %ds", timeout)
	if noAnswerNotReady {
		return s + ", no answer sets NotReady"
	}
	return s + ", no answer leaves the agent Ready"
}

func agents(ids []string) string {
	if len(ids) <= maxSummaryAgents {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:maxSummaryAgents], ", "), len(ids)-maxSummaryAgents)
}
