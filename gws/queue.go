package gws

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/fbsession/fbsession/domain/queue"
)

// QueueChannel is the channel every queue of this service belongs to, as
// GWS's queue resource names one.
const QueueChannel = "facebooksession"

// Queue is a queue as GET /api/v2/queues/{id} shows it: GWS's queue
// resource (id, name, channel) with this service's settings, members and
// live figures.
type Queue struct {
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	Channel             string   `json:"channel"`
	URI                 string   `json:"uri"`
	Members             []string `json:"members"`
	OfferTimeoutSeconds int      `json:"offerTimeoutSeconds"`
	NoAnswerNotReady    bool     `json:"noAnswerNotReady"`
	Waiting             int      `json:"waiting"`
	OldestWaitSeconds   int      `json:"oldestWaitSeconds"`
	AgentsReady         int      `json:"agentsReady"`
	AgentsBusy          int      `json:"agentsBusy"`
}

// queueFields are Queue's fields, in its order; ?fields selects among them.
var queueFields = [...]string{
	"id", "name", "channel", "uri", "members", "offerTimeoutSeconds", "noAnswerNotReady",
	"waiting", "oldestWaitSeconds", "agentsReady", "agentsBusy",
}

// QueueURI is where a queue is read: by its id, which stays the queue's
// for its life, while the name is all another queue may take after it.
func QueueURI(baseURL, id string) string { return baseURL + "/api/v2/queues/" + url.PathEscape(id) }

// QueueOf shows a queue's state and live figures as the API does; members
// are never null.
func QueueOf(s queue.State, f queue.Figures, baseURL string) Queue {
	members := s.Members
	if members == nil {
		members = []string{}
	}
	return Queue{
		ID: s.ID, Name: s.Name, Channel: QueueChannel, URI: QueueURI(baseURL, s.ID), Members: members,
		OfferTimeoutSeconds: s.OfferTimeoutSeconds, NoAnswerNotReady: s.NoAnswerNotReady,
		Waiting: f.Waiting, OldestWaitSeconds: f.OldestWaitSeconds, AgentsReady: f.AgentsReady, AgentsBusy: f.AgentsBusy,
	}
}

// QueueFields is a ?fields selection of queue fields; nil selects all.
type QueueFields []string

// ParseQueueFields reads a ?fields value: queue field names separated by
// commas, or * for all; empty selects all. An unknown name is an
// ErrInvalidBody.
func ParseQueueFields(q string) (QueueFields, error) {
	if q == "" {
		return nil, nil
	}
	var names QueueFields
	for name := range strings.SplitSeq(q, ",") {
		switch {
		case name == "*":
			return nil, nil
		case !slices.Contains(queueFields[:], name):
			return nil, fmt.Errorf("%w: fields names %q, which is no field of a queue; fields are * or some of %s",
				ErrInvalidBody, truncate(name, 64), strings.Join(queueFields[:], ","))
		}
		names = append(names, name)
	}
	return names, nil
}

// Select is the queue with only the selected fields, in the queue's
// order, as GWS answers (id and uri are not added).
func (q Queue) Select(f QueueFields) any {
	if f == nil {
		return q
	}
	full, err := json.Marshal(q)
	if err != nil {
		return q // a struct of strings and numbers: never
	}
	var all map[string]json.RawMessage
	_ = json.Unmarshal(full, &all)
	out := make(orderedFields, 0, len(f))
	for _, name := range queueFields {
		if slices.Contains(f, name) {
			out = append(out, field{name, all[name]})
		}
	}
	return out
}

type field struct {
	name  string
	value json.RawMessage
}

// orderedFields marshals as an object with its fields in order.
type orderedFields []field

func (o orderedFields) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(f.name)
		b = append(append(append(b, name...), ':'), f.value...)
	}
	return append(b, '}'), nil
}
