package facebooksession

// Said is one transcript entry: a message and the type of participant who
// wrote it (ParticipantAgent or ParticipantCustomer).
type Said struct {
	Message
	FromType string
}

// NamedIn is the message under its writer's nickname: its own, or, for a
// customer's message that references its participant instead of copying
// the nickname, the nickname of that participant among the session's
// intake participants (which a customer's never changes), "Customer" when
// none matches.
func (m Message) NamedIn(intake []Participant) Message {
	if m.Nickname != "" {
		return m
	}
	m.Nickname = ParticipantCustomer
	for _, p := range intake {
		if p.Type == ParticipantCustomer && p.ParticipantID == m.ParticipantID {
			m.Nickname = p.Nickname
			break
		}
	}
	return m
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
