package sessionlog

import (
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
)

// Transcript is the messages of a stream's events, in order, up to and
// including version upTo (0: all of them).
func Transcript(records []eventstore.RecordedEvent, upTo int64) ([]fb.Said, error) {
	var out []fb.Said
	for i := range records {
		r := &records[i]
		if upTo > 0 && r.Version > upTo {
			break
		}
		if r.Type != fb.TypeAgentMessageSent && r.Type != fb.TypeCustomerMessageReceived {
			continue
		}
		e, err := Decode(r.Type, r.SchemaVersion, r.Data)
		if errors.Is(err, ErrUnknownEvent) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s v%d (position %d): %w", r.StreamID, r.Version, r.Position, err)
		}
		if said, ok := fb.SaidIn(e); ok {
			out = append(out, said)
		}
	}
	return out, nil
}
