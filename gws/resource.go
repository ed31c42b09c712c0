package gws

import (
	"encoding/json"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// Resource is a facebooksession as the API returns it.
type Resource struct {
	ID           string          `json:"id"`
	URI          string          `json:"uri"`
	State        fb.Status       `json:"state"`
	Capabilities []string        `json:"capabilities"`
	Participants []Participant   `json:"participants"`
	UserData     json.RawMessage `json:"userData"`
	// Comment and ReceivedDate are left out when intake did not give them.
	Comment             string   `json:"comment,omitempty"`
	ReceivedDate        string   `json:"receivedDate,omitempty"`
	FacebooksessionType string   `json:"facebooksessionType"`
	SuggestedQueueURIs  []string `json:"suggestedQueueUris"`
	// The API spells it so; clients depend on the spelling.
	RevelantResponseTemplateGroups []json.RawMessage `json:"revelantResponseTemplateGroups"`
}

// Participant is one party of a session, as the API shows it.
type Participant struct {
	Nickname      string `json:"nickname"`
	Type          string `json:"type"`
	ID            string `json:"id"`
	Visibility    string `json:"visibility"`
	ParticipantID string `json:"participantId"`
}

// URI is a session's uri for a service at baseURL: GET on it reads the
// session.
func URI(baseURL, sessionID string) string { return baseURL + "/api/v2/facebooksessions/" + sessionID }

// TranscriptURI is where a session's transcript is read.
func TranscriptURI(baseURL, sessionID string) string { return URI(baseURL, sessionID) + "/messages" }

// ResourceOf shows a session state as the API does. Lists are never null:
// clients iterate them without a check.
func ResourceOf(s fb.State, baseURL string) Resource {
	userData := s.UserData
	if len(userData) == 0 {
		userData = json.RawMessage("{}")
	}
	participants := make([]Participant, len(s.Participants))
	suggested := s.SuggestedQueueURIs
	if suggested == nil {
		suggested = []string{}
	}
	for i, p := range s.Participants {
		participants[i] = Participant(p)
	}
	return Resource{
		ID:                             s.ID,
		URI:                            URI(baseURL, s.ID),
		State:                          s.Status,
		Capabilities:                   s.Capabilities(),
		Participants:                   participants,
		UserData:                       userData,
		Comment:                        s.Comment,
		ReceivedDate:                   s.ReceivedDate,
		FacebooksessionType:            s.FacebooksessionType,
		SuggestedQueueURIs:             suggested,
		RevelantResponseTemplateGroups: []json.RawMessage{},
	}
}
