package sessionlog

import (
	"encoding/json"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// The stored forms of the events. Their JSON names are a format on disk:
// renaming one breaks every log already written, so they change only with a
// new schema version.

type participant struct {
	Nickname      string `json:"nickname"`
	Type          string `json:"type"`
	ID            string `json:"id"`
	Visibility    string `json:"visibility"`
	ParticipantID string `json:"participantId"`
}

type sessionStarted struct {
	SessionID           string          `json:"sessionId"`
	AgentID             string          `json:"agentId"`
	FacebooksessionType string          `json:"facebooksessionType"`
	Comment             string          `json:"comment,omitempty"`
	ReceivedDate        string          `json:"receivedDate,omitempty"`
	UserData            json.RawMessage `json:"userData"`
	Participants        []participant   `json:"participants"`
}

type sessionEnded struct {
	SessionID string `json:"sessionId"`
}

type interactionCompleted struct {
	SessionID string `json:"sessionId"`
}

type queuedTo struct {
	SessionID string `json:"sessionId"`
	QueueName string `json:"queueName"`
}

func fromParticipants(ps []fb.Participant) []participant {
	if ps == nil {
		return nil
	}
	out := make([]participant, len(ps))
	for i, p := range ps {
		out[i] = participant(p)
	}
	return out
}

func toParticipants(ps []participant) []fb.Participant {
	if ps == nil {
		return nil
	}
	out := make([]fb.Participant, len(ps))
	for i, p := range ps {
		out[i] = fb.Participant(p)
	}
	return out
}
