package facebooksession

// Status is the GWS "state" of the resource.
type Status string

const (
	// StatusNone is the state of a stream with no events: no session.
	StatusNone      Status = ""
	StatusChatting  Status = "Chatting"
	StatusCompleted Status = "Completed"
)

// OperationComplete is the only operation this service accepts.
const OperationComplete = "Complete"

// Capabilities lists the operations valid in a status. Only operations the
// service really accepts are listed, so a desktop never offers a button that
// would fail.
func (s Status) Capabilities() []string {
	if s == StatusChatting {
		return []string{OperationComplete}
	}
	return []string{}
}
