package queueview

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queuelog"
)

// ListKey lists the views of the live queues.
const ListKey = "queues"

// document is the stored view: its own type, so that the domain's can
// change without the views'.
type document struct {
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	OfferTimeoutSeconds int      `json:"offerTimeoutSeconds"`
	NoAnswerNotReady    bool     `json:"noAnswerNotReady"`
	Members             []string `json:"members"`
	Removed             bool     `json:"removed,omitempty"`
}

// Encode is the view of a queue's state.
func Encode(s queue.State) (*eventstore.View, error) {
	d := document(s)
	if d.Members == nil {
		d.Members = []string{}
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	v := &eventstore.View{Document: raw}
	if s.Exists() {
		v.ListKey = ListKey
	}
	return v, nil
}

// Decode is the state a view holds.
func Decode(v *eventstore.View) (queue.State, error) {
	var d document
	if err := json.Unmarshal(v.Document, &d); err != nil {
		return queue.State{}, fmt.Errorf("queueview: %w", err)
	}
	return queue.State(d), nil
}

// Of is the view a queue's whole stream leaves, as the append of its last
// event wrote it.
func Of(events []eventstore.RecordedEvent) (eventstore.StreamView, error) {
	last := &events[len(events)-1]
	s, err := queuelog.Fold(events)
	if err != nil {
		return eventstore.StreamView{}, err
	}
	v, err := Encode(s)
	if err != nil {
		return eventstore.StreamView{}, err
	}
	return eventstore.StreamView{StreamID: last.StreamID, Version: last.Version, View: *v}, nil
}

// Differs tells how a stored view differs from one folded from the log
// (Of), or "" when it does not.
func Differs(stored, folded *eventstore.StreamView) string {
	if stored.ListKey != folded.ListKey || !bytes.Equal(stored.Document, folded.Document) {
		return "read model differs from a fresh fold of the log"
	}
	return ""
}
