package sessionview

import (
	"encoding/json"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/jsonsplice"
)

// document is the stored form of a session's view. Its JSON is a format on
// disk: views already written hold it, and verify compares it byte for byte
// with what the log folds to, so fields change only with a rebuild.
type document struct {
	ID                  string          `json:"id"`
	AgentID             string          `json:"agentId"`
	Status              fb.Status       `json:"state"`
	FacebooksessionType string          `json:"facebooksessionType"`
	Comment             string          `json:"comment,omitempty"`
	ReceivedDate        string          `json:"receivedDate,omitempty"`
	UserData            json.RawMessage `json:"userData,omitempty"`
	Participants        []participant   `json:"participants,omitempty"`
	Ended               bool            `json:"ended,omitempty"`
	Queue               string          `json:"queue,omitempty"`
	// Fields added with the session's life (issue 14) are omitted when
	// empty, so that views written before them still verify.
	SuggestedQueueURIs []string `json:"suggestedQueueUris,omitempty"`
	Messages           int      `json:"messages,omitempty"`
	Activity           int      `json:"activity,omitempty"`
}

type participant struct {
	Nickname      string `json:"nickname"`
	Type          string `json:"type"`
	ID            string `json:"id"`
	Visibility    string `json:"visibility"`
	ParticipantID string `json:"participantId"`
}

// Encode is the view of a session state: listed under its agent until it is
// completed, so that an agent's list holds only the sessions still to do.
func Encode(s fb.State) (*eventstore.View, error) {
	d := document{
		ID:                  s.ID,
		AgentID:             s.AgentID,
		Status:              s.Status,
		FacebooksessionType: s.FacebooksessionType,
		Comment:             s.Comment,
		ReceivedDate:        s.ReceivedDate,
		UserData:            s.UserData,
		Ended:               s.Ended,
		Queue:               s.Queue,
		SuggestedQueueURIs:  s.SuggestedQueueURIs,
		Messages:            s.Messages,
		Activity:            s.Activity,
	}
	if len(s.Participants) > 0 {
		d.Participants = make([]participant, len(s.Participants))
		for i, p := range s.Participants {
			d.Participants[i] = participant(p)
		}
	}
	doc, err := marshal(d)
	if err != nil {
		return nil, fmt.Errorf("view of session %s: %w", s.ID, err)
	}
	v := &eventstore.View{Document: doc}
	if s.Status != fb.StatusCompleted {
		v.ListKey = s.AgentID
	}
	return v, nil
}

// marshal is json.Marshal of the document, but for its user data: the
// state holds it as encoding/json writes it (fb.Canonical), so it is
// spliced in as it is rather than scanned again at every change.
func marshal(d document) ([]byte, error) {
	userData := d.UserData
	if len(userData) == 0 {
		return json.Marshal(d)
	}
	d.UserData = json.RawMessage(jsonsplice.Placeholder)
	doc, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return jsonsplice.Splice(doc, "userData", userData)
}

// Decode reads a view's document back into the session state.
func Decode(doc []byte) (fb.State, error) {
	var d document
	if err := json.Unmarshal(doc, &d); err != nil {
		return fb.State{}, fmt.Errorf("session view: %w", err)
	}
	s := fb.State{
		ID:                  d.ID,
		AgentID:             d.AgentID,
		Status:              d.Status,
		FacebooksessionType: d.FacebooksessionType,
		Comment:             d.Comment,
		ReceivedDate:        d.ReceivedDate,
		UserData:            d.UserData,
		Ended:               d.Ended,
		Queue:               d.Queue,
		SuggestedQueueURIs:  d.SuggestedQueueURIs,
		Messages:            d.Messages,
		Activity:            d.Activity,
	}
	if d.Participants != nil {
		s.Participants = make([]fb.Participant, len(d.Participants))
		for i, p := range d.Participants {
			s.Participants[i] = fb.Participant(p)
		}
	}
	return s, nil
}
