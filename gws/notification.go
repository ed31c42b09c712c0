package gws

// Notification is the body of the notifications that carry the resource
// (StatusChange, ParticipantsUpdated, PropertiesUpdated), as the seed
// page shows StatusChange.
type Notification struct {
	// ReferenceID is the referenceId of the request that caused the change;
	// absent for changes no request caused (intake).
	ReferenceID      int64    `json:"referenceId,omitempty"`
	NotificationType string   `json:"notificationType"`
	MessageType      string   `json:"messageType"`
	Facebooksession  Resource `json:"facebooksession"`
	// Resync marks the corrective StatusChange the notifier publishes
	// after a failover lost changes it had notified: the session as the
	// log has it now, which replaces what the notifications since showed
	// (docs/API.md §7).
	Resync bool `json:"resync,omitempty"`
	// Lost, on a Resync, tells that the log no longer has the session at
	// all: the resource is its id, Completed, with no capabilities.
	Lost bool `json:"lost,omitempty"`
}

// The notification and message types of the API.
const (
	NotificationStatusChange        = "StatusChange"
	NotificationParticipantsUpdated = "ParticipantsUpdated"
	NotificationPropertiesUpdated   = "PropertiesUpdated"
	NotificationNewMessages         = "NewMessages"

	MessageStateChange = "FacebooksessionStateChangeMessage"
	MessageLogUpdated  = "MessageLogUpdated"
)

// StatusChange is the notification of a session's new state, caused by the
// request answered with referenceID (0 for none).
func StatusChange(referenceID int64, r Resource) Notification {
	return stateChange(NotificationStatusChange, referenceID, r)
}

// ParticipantsUpdated tells that the session's participants changed (an
// agent joined, the customer left).
func ParticipantsUpdated(referenceID int64, r Resource) Notification {
	return stateChange(NotificationParticipantsUpdated, referenceID, r)
}

// PropertiesUpdated tells that the session's user data changed.
func PropertiesUpdated(referenceID int64, r Resource) Notification {
	return stateChange(NotificationPropertiesUpdated, referenceID, r)
}

func stateChange(notificationType string, referenceID int64, r Resource) Notification {
	return Notification{
		ReferenceID:      referenceID,
		NotificationType: notificationType,
		MessageType:      MessageStateChange,
		Facebooksession:  r,
	}
}
