package facebooksession

import "encoding/json"

// Resource is the facebooksession resource of the GWS API, as GET returns it
// and notifications carry it. Field names follow the API, misspelling of
// revelantResponseTemplateGroups included.
type Resource struct {
	ID                             string            `json:"id"`
	URI                            string            `json:"uri"`
	State                          Status            `json:"state"`
	Capabilities                   []string          `json:"capabilities"`
	Participants                   []Participant     `json:"participants"`
	UserData                       json.RawMessage   `json:"userData"`
	Comment                        string            `json:"comment"`
	ReceivedDate                   string            `json:"receivedDate"`
	FacebooksessionType            string            `json:"facebooksessionType"`
	SuggestedQueueURIs             []string          `json:"suggestedQueueUris"`
	RevelantResponseTemplateGroups []json.RawMessage `json:"revelantResponseTemplateGroups"`
}

// ResourcePath is the path of a session under the API root; the resource's
// uri is this path prefixed with the service's public base URL.
func ResourcePath(sessionID string) string {
	return "/api/v2/facebooksessions/" + sessionID
}

// Resource is the API view of the state. baseURL is the service's public
// base URL (scheme and host), from which the resource's uri is built.
func (s State) Resource(baseURL string) Resource {
	userData := s.UserData
	if len(userData) == 0 {
		userData = json.RawMessage("{}")
	}
	participants := s.Participants
	if participants == nil {
		participants = []Participant{}
	}
	return Resource{
		ID:                             s.ID,
		URI:                            baseURL + ResourcePath(s.ID),
		State:                          s.Status,
		Capabilities:                   s.Status.Capabilities(),
		Participants:                   participants,
		UserData:                       userData,
		Comment:                        s.Comment,
		ReceivedDate:                   s.ReceivedDate,
		FacebooksessionType:            s.FacebooksessionType,
		SuggestedQueueURIs:             []string{},
		RevelantResponseTemplateGroups: []json.RawMessage{},
	}
}
