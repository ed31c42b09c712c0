package userlog

import (
	"encoding/json"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/users"
)

// Event types, one per users.ChangeKind.
const (
	TypeUserAdded       = "UserAdded"
	TypeUserPasswordSet = "UserPasswordSet"
	TypeUserDisabled    = "UserDisabled"
	TypeUserEnabled     = "UserEnabled"
	TypeUserRolesSet    = "UserRolesSet"
	TypeUserFeaturesSet = "UserFeaturesSet"
)

// schemaVersion of every event type of this package.
const schemaVersion = 1

// typeOf is the event type that records a change of kind.
func typeOf(kind users.ChangeKind) (string, bool) {
	switch kind {
	case users.ChangeAdded:
		return TypeUserAdded, true
	case users.ChangePassword:
		return TypeUserPasswordSet, true
	case users.ChangeDisabled:
		return TypeUserDisabled, true
	case users.ChangeEnabled:
		return TypeUserEnabled, true
	case users.ChangeRoles:
		return TypeUserRolesSet, true
	case users.ChangeFeatures:
		return TypeUserFeaturesSet, true
	}
	return "", false
}

// Data is an event's document. Which fields are set depends on the type:
// an addition has all but the user id's, a change of roles or features
// the new set, the others none.
type Data struct {
	UserID   string       `json:"userId"`
	UserName string       `json:"userName,omitempty"`
	Roles    []users.Role `json:"roles,omitempty"`
	Features []string     `json:"features,omitempty"`
	Disabled bool         `json:"disabled,omitempty"`
}

// Metadata is who made the change.
type Metadata struct {
	Actor string `json:"actor,omitempty"`
}

// Encode is the event that records c.
func Encode(c users.Change) (eventstore.EventData, error) {
	typ, ok := typeOf(c.Kind)
	if !ok {
		return eventstore.EventData{}, fmt.Errorf("userlog: unknown change %q", c.Kind)
	}
	d := Data{UserID: c.UserID, Roles: c.Roles, Features: c.Features}
	if c.Kind == users.ChangeAdded {
		d.UserName, d.Roles, d.Features, d.Disabled = c.User.UserName, c.User.Roles, c.User.Features, c.User.Disabled
	}
	data, err := json.Marshal(d)
	if err != nil {
		return eventstore.EventData{}, err
	}
	meta, err := json.Marshal(Metadata{Actor: c.Actor})
	if err != nil {
		return eventstore.EventData{}, err
	}
	return eventstore.EventData{Type: typ, SchemaVersion: schemaVersion, Data: data, Metadata: meta}, nil
}

// Decode reads a recorded event of a user's stream.
func Decode(e *eventstore.RecordedEvent) (Data, Metadata, error) {
	var (
		d Data
		m Metadata
	)
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return d, m, fmt.Errorf("userlog: %s v%d: %w", e.StreamID, e.Version, err)
	}
	if len(e.Metadata) > 0 {
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			return d, m, fmt.Errorf("userlog: metadata of %s v%d: %w", e.StreamID, e.Version, err)
		}
	}
	return d, m, nil
}
