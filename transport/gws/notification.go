package gws

// Notification is the body of a StatusChange message, as the seed page
// shows it.
type Notification struct {
	// ReferenceID is the referenceId of the request that caused the change;
	// absent for changes no agent request caused (intake).
	ReferenceID      int64    `json:"referenceId,omitempty"`
	NotificationType string   `json:"notificationType"`
	MessageType      string   `json:"messageType"`
	Facebooksession  Resource `json:"facebooksession"`
}

// The notification and message types of the API.
const (
	NotificationStatusChange = "StatusChange"
	MessageStateChange       = "FacebooksessionStateChangeMessage"
)

// StatusChange is the notification of a session's new state, caused by the
// request answered with referenceID (0 for none).
func StatusChange(referenceID int64, r Resource) Notification {
	return Notification{
		ReferenceID:      referenceID,
		NotificationType: NotificationStatusChange,
		MessageType:      MessageStateChange,
		Facebooksession:  r,
	}
}

// Subject is where a session's notifications go:
// <prefix>.users.<agentId>.facebooksession.<sessionId>. Both ids are
// restricted to [A-Za-z0-9_-] at intake, so neither can inject a token.
func Subject(prefix, agentID, sessionID string) string {
	return prefix + ".users." + agentID + ".facebooksession." + sessionID
}
