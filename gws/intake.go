package gws

import (
	"encoding/json"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// intakeBody is the body of POST /facebooksessions.
type intakeBody struct {
	ID                  *string         `json:"id"`
	AgentID             *string         `json:"agentId"`
	QueueName           *string         `json:"queueName"`
	FacebooksessionType *string         `json:"facebooksessionType"`
	Comment             *string         `json:"comment"`
	ReceivedDate        *string         `json:"receivedDate"`
	UserData            json.RawMessage `json:"userData"`
	Participants        []Participant   `json:"participants"`
	// State is Invited (the default) or Chatting: the agent has joined the
	// session already.
	State              *string  `json:"state"`
	SuggestedQueueURIs []string `json:"suggestedQueueUris"`
}

// ParseIntake reads an intake body (docs/API.md, intake) into a Start
// command, giving it an id from newID when the body has none. The aggregate
// validates the fields' values.
func ParseIntake(body []byte, newID func() string) (fb.Start, error) {
	var b intakeBody
	if err := DecodeObject(body, &b); err != nil {
		return fb.Start{}, err
	}
	var cmd fb.Start
	switch {
	case b.QueueName != nil && b.AgentID != nil:
		return fb.Start{}, invalidBody("give agentId or queueName, not both")
	case b.QueueName != nil:
		if *b.QueueName == "" {
			return fb.Start{}, invalidBody("queueName must not be empty")
		}
		cmd.QueueName = *b.QueueName
	case b.AgentID == nil || *b.AgentID == "":
		return fb.Start{}, fmt.Errorf("%w: agentId or queueName is required", ErrMissingParameter)
	default:
		cmd.AgentID = *b.AgentID
	}
	if string(b.UserData) == "null" {
		b.UserData = nil
	}
	cmd.UserData = b.UserData
	if b.Participants != nil {
		cmd.Participants = make([]fb.Participant, len(b.Participants))
		for i, p := range b.Participants {
			cmd.Participants[i] = fb.Participant(p)
		}
	}
	if b.State != nil {
		switch fb.Status(*b.State) {
		case fb.StatusInvited:
			// The default spelled out: left empty, so that a retry that
			// spells it and one that does not are the same request.
		case fb.StatusChatting:
			cmd.Status = fb.StatusChatting
		default:
			return fb.Start{}, invalidBody("state must be %s or %s", fb.StatusInvited, fb.StatusChatting)
		}
	}
	cmd.SuggestedQueueURIs = b.SuggestedQueueURIs
	if b.ID != nil {
		cmd.SessionID = *b.ID
	} else {
		cmd.SessionID = newID()
	}
	if b.FacebooksessionType != nil {
		cmd.FacebooksessionType = *b.FacebooksessionType
	}
	if b.Comment != nil {
		cmd.Comment = *b.Comment
	}
	if b.ReceivedDate != nil {
		cmd.ReceivedDate = *b.ReceivedDate
	}
	return cmd, nil
}
