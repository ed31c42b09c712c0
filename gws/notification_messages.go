package gws

// MessageLog is the body of a MessageLogUpdated notification: messages of
// the transcript (NewMessages), or, on the integration subject only, an
// agent's typing indicator.
type MessageLog struct {
	// ReferenceID is the referenceId of the request that caused it.
	ReferenceID        int64     `json:"referenceId,omitempty"`
	Messages           []Message `json:"messages"`
	NotificationType   string    `json:"notificationType"`
	MessageType        string    `json:"messageType"`
	FacebooksessionURI string    `json:"facebooksessionUri"`
	// TranscriptURI, on an Accept's NewMessages, says the messages shown
	// are the transcript's last ones only: the rest is read there.
	TranscriptURI string `json:"transcriptUri,omitempty"`
}

// NewMessages is the notification of messages added to the session at
// uri, in transcript order. A nil list is sent as [].
func NewMessages(referenceID int64, uri string, messages []Message) MessageLog {
	if messages == nil {
		messages = []Message{}
	}
	return MessageLog{
		ReferenceID:        referenceID,
		Messages:           messages,
		NotificationType:   NotificationNewMessages,
		MessageType:        MessageLogUpdated,
		FacebooksessionURI: uri,
	}
}
