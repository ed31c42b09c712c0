package audit

import (
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/fbsession/fbsession/eventstore"
)

// extends checks that a stream still has, at the version a checkpoint
// recorded, the event the checkpoint hashed. With the chain verified up to
// there, that event's hash vouches for every event before it.
func (v *verifier) extends(events []eventstore.RecordedEvent) {
	if v.since == nil {
		return
	}
	id := events[0].StreamID
	h, ok := v.since[id]
	if !ok {
		return // a stream begun after the checkpoint
	}
	delete(v.since, id)
	last := &events[len(events)-1]
	var at *eventstore.RecordedEvent
	for i := range events {
		if events[i].Version == h.Version {
			at = &events[i]
			break
		}
	}
	switch {
	case at == nil:
		v.problem(Problem{Position: last.Position, StreamID: id, Version: last.Version,
			Reason: fmt.Sprintf("truncated since the checkpoint: no version %d (the checkpoint's head), the stream ends at version %d", h.Version, last.Version)})
	case hex.EncodeToString(at.Hash) != h.Hash:
		v.problem(Problem{Position: at.Position, StreamID: id, Version: h.Version,
			Reason: fmt.Sprintf("rewritten since the checkpoint: version %d has hash %x, the checkpoint signed %s", h.Version, at.Hash, h.Hash)})
	}
}

// gone reports the checkpoint's streams that no longer have any event.
func (v *verifier) gone() {
	ids := make([]string, 0, len(v.since))
	for id := range v.since {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		h := v.since[id]
		v.problem(Problem{StreamID: id, Version: h.Version,
			Reason: fmt.Sprintf("deleted since the checkpoint: the stream was at version %d and has no events now", h.Version)})
	}
	v.since = nil
}
