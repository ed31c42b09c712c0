package sessionlog

import (
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
)

// Transcript is the messages of a stream's events, in order, up to and
// including version upTo (0: all of them), each under its writer's
// nickname (fb.Message.NamedIn): from the intake participants of the
// records' SessionStarted, or intake's when the records start later.
func Transcript(records []eventstore.RecordedEvent, upTo int64, intake []fb.Participant) ([]fb.Said, error) {
	var out []fb.Said
	for i := range records {
		r := &records[i]
		if upTo > 0 && r.Version > upTo {
			break
		}
		switch r.Type {
		case fb.TypeSessionStarted, fb.TypeAgentMessageSent, fb.TypeCustomerMessageReceived:
		default:
			continue
		}
		e, err := Decode(r.Type, r.SchemaVersion, r.Data)
		if errors.Is(err, ErrUnknownEvent) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s v%d (position %d): %w", r.StreamID, r.Version, r.Position, err)
		}
		if started, ok := e.(fb.SessionStarted); ok {
			intake = started.Participants
			continue
		}
		if said, ok := fb.SaidIn(e); ok {
			said.Message = said.Message.NamedIn(intake)
			out = append(out, said)
		}
	}
	return out, nil
}

// Intake is the participants a session started with, read from the first
// event of its stream.
func Intake(first *eventstore.RecordedEvent) ([]fb.Participant, error) {
	e, err := Decode(first.Type, first.SchemaVersion, first.Data)
	if err != nil {
		return nil, err
	}
	if started, ok := e.(fb.SessionStarted); ok {
		return started.Participants, nil
	}
	return nil, nil
}
