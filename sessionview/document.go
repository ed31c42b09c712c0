package sessionview

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

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
	// Omitted when empty, so that stored views that lack them still
	// verify.
	SuggestedQueueURIs []string `json:"suggestedQueueUris,omitempty"`
	Messages           int      `json:"messages,omitempty"`
	Activity           int      `json:"activity,omitempty"`
	// Messenger's receipts, for the transcript's marks.
	ReadUpTo      time.Time `json:"readUpTo,omitzero"`
	DeliveredUpTo time.Time `json:"deliveredUpTo,omitzero"`
}

type participant struct {
	Nickname      string `json:"nickname"`
	Type          string `json:"type"`
	ID            string `json:"id"`
	Visibility    string `json:"visibility"`
	ParticipantID string `json:"participantId"`
}

// Encode is the whole view of a session state: listed under its agent
// until it is completed, so that an agent's list holds only the sessions
// still to do. The user data is the view's Detail, stored apart from the
// rest, which holds its place (see Join).
func Encode(s fb.State) (*eventstore.View, error) {
	v, err := encode(s, len(s.UserData) > 0)
	if err != nil {
		return nil, err
	}
	if len(s.UserData) > 0 {
		v.Detail = s.UserData
	}
	return v, nil
}

// encodeKeepingUserData is the view of a session state whose user data
// has not changed since the view was last written whole: the document
// alone, and the stored detail kept. s.UserData is not read, so that a
// caller need not hold it; hasUserData tells whether the session has any.
func encodeKeepingUserData(s fb.State, hasUserData bool) (*eventstore.View, error) {
	v, err := encode(s, hasUserData)
	if err != nil {
		return nil, err
	}
	v.KeepDetail = true
	return v, nil
}

func encode(s fb.State, hasUserData bool) (*eventstore.View, error) {
	d := document{
		ID:                  s.ID,
		AgentID:             s.AgentID,
		Status:              s.Status,
		FacebooksessionType: s.FacebooksessionType,
		Comment:             s.Comment,
		ReceivedDate:        s.ReceivedDate,
		Ended:               s.Ended,
		Queue:               s.Queue,
		SuggestedQueueURIs:  s.SuggestedQueueURIs,
		Messages:            s.Messages,
		Activity:            s.Activity,
		ReadUpTo:            s.ReadUpTo.UTC(),
		DeliveredUpTo:       s.DeliveredUpTo.UTC(),
	}
	if hasUserData {
		// The member marks where Join puts the detail back: the document
		// joined is the bytes json.Marshal makes of the whole, which views
		// stored whole hold.
		d.UserData = json.RawMessage(jsonsplice.Placeholder)
	}
	if len(s.Participants) > 0 {
		d.Participants = make([]participant, len(s.Participants))
		for i, p := range s.Participants {
			d.Participants[i] = participant(p)
		}
	}
	doc, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("view of session %s: %w", s.ID, err)
	}
	v := &eventstore.View{Document: doc}
	if s.Status != fb.StatusCompleted {
		v.ListKey = s.AgentID
	}
	return v, nil
}

// Join is a view's whole document, its user data in place: the bytes
// json.Marshal makes of the session's document, which audits compare.
func Join(v *eventstore.View) ([]byte, error) {
	if !DetailInPlace(v) {
		return v.Document, nil
	}
	return jsonsplice.Splice(v.Document, "userData", v.Detail)
}

// DetailInPlace tells whether a view's user data is its detail: the
// document marks its place. A document written whole (before details were
// stored apart, or by an older binary since, which left whatever detail
// was there beside it) holds its user data itself, if any.
func DetailInPlace(v *eventstore.View) bool {
	return v.Detail != nil && bytes.Contains(v.Document, []byte(placeholderMember))
}

// placeholderMember is the member that marks the user data's place.
const placeholderMember = `"userData":` + jsonsplice.Placeholder

// Decode reads a view back into the session state.
func Decode(v *eventstore.View) (fb.State, error) {
	var d document
	// go-json-experiment: a third of encoding/json's time and a sixth of
	// its allocations here, where the notifier decodes a view per change;
	// stricter (exact names, valid UTF-8), which documents this package
	// wrote with encoding/json always are.
	if err := jsonv2.Unmarshal(v.Document, &d); err != nil {
		return fb.State{}, fmt.Errorf("session view: %w", err)
	}
	// The decoded member tells what DetailInPlace's scan would, exactly.
	if string(d.UserData) == jsonsplice.Placeholder {
		d.UserData = v.Detail // nil if the detail was lost: verify reports the view
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
		ReadUpTo:            d.ReadUpTo,
		DeliveredUpTo:       d.DeliveredUpTo,
	}
	if d.Participants != nil {
		s.Participants = make([]fb.Participant, len(d.Participants))
		for i, p := range d.Participants {
			s.Participants[i] = fb.Participant(p)
		}
	}
	return s, nil
}

// DecodeOwner reads from a view only what says who may act on the
// session: its id, agent and status.
func DecodeOwner(v *eventstore.View) (fb.State, error) {
	var d struct {
		ID      string    `json:"id"`
		AgentID string    `json:"agentId"`
		Status  fb.Status `json:"state"`
	}
	if err := jsonv2.Unmarshal(v.Document, &d); err != nil {
		return fb.State{}, fmt.Errorf("session view: %w", err)
	}
	return fb.State{ID: d.ID, AgentID: d.AgentID, Status: d.Status}, nil
}
