package facebooksession

// Said is one transcript entry: a message and the type of participant who
// wrote it (ParticipantAgent or ParticipantCustomer).
type Said struct {
	Message
	FromType string
}

// SaidIn returns the transcript entry an event adds, if it adds one.
// Typing indicators are not messages and add none.
func SaidIn(e Event) (Said, bool) {
	switch e := e.(type) {
	case AgentMessageSent:
		return Said{Message: e.Message, FromType: ParticipantAgent}, true
	case CustomerMessageReceived:
		return Said{Message: e.Message, FromType: ParticipantCustomer}, true
	}
	return Said{}, false
}
