package audit

import (
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
)

// signedSet is what a CheckpointFormat checkpoint vouches for beyond its
// heads: that the log's events at or below position are exactly those of
// its streams up to its heads, events of them.
type signedSet struct {
	position int64
	events   int64
	// counted is the log's events at or below position so far.
	counted int64
}

// positioned reports a stream's first event at a position the store never
// assigns: positions start at 1 and only grow, so such an event was
// inserted behind the store's back, placed before everything else.
func (v *verifier) positioned(events []eventstore.RecordedEvent) {
	for i := range events {
		if e := &events[i]; e.Position <= 0 {
			v.problem(Problem{Position: e.Position, StreamID: e.StreamID, Version: e.Version,
				Reason: fmt.Sprintf("position %d was not assigned by the store (positions start at 1 and only grow): inserted behind its back", e.Position)})
			return
		}
	}
}

// inSet checks a stream's events at or below the checkpoint's position
// against what it signed: none for a stream it does not list, and, for
// one it does, exactly the versions up to its head. Call it before
// extends, which forgets the stream's head.
func (v *verifier) inSet(events []eventstore.RecordedEvent) {
	if v.set == nil {
		return
	}
	id := events[0].StreamID
	var below, last *eventstore.RecordedEvent
	for i := range events {
		if events[i].Position <= v.set.position {
			v.set.counted++
			if below == nil {
				below = &events[i]
			}
			last = &events[i]
		}
	}
	h, listed := v.since[id]
	switch {
	case !listed && below != nil:
		v.setProblem(below, fmt.Sprintf("not signed by the checkpoint: version %d at position %d is at or below its position %d, in a stream it does not list",
			below.Version, below.Position, v.set.position))
	case !listed:
	case last != nil && last.Version > h.Version:
		next := versionAt(events, h.Version+1)
		if next == nil {
			next = last // a gap in the versions, which the chain reports
		}
		v.setProblem(next, fmt.Sprintf("not signed by the checkpoint: version %d at position %d is at or below its position %d, past the head it signed (version %d)",
			next.Version, next.Position, v.set.position, h.Version))
	case last == nil || last.Version < h.Version:
		// Without that version, extends reports the stream truncated.
		if at := versionAt(events, h.Version); at != nil {
			v.setProblem(at, fmt.Sprintf("moved since the checkpoint: version %d is at position %d, above the checkpoint's position %d",
				h.Version, at.Position, v.set.position))
		}
	}
}

func versionAt(events []eventstore.RecordedEvent, version int64) *eventstore.RecordedEvent {
	for i := range events {
		if events[i].Version == version {
			return &events[i]
		}
	}
	return nil
}

// setProblem reports an event that the checkpoint's set does not have
// where the log has it.
func (v *verifier) setProblem(e *eventstore.RecordedEvent, reason string) {
	v.problem(Problem{Position: e.Position, StreamID: e.StreamID, Version: e.Version, Reason: reason})
}

// setCounted reports a count of events at or below the checkpoint's
// position other than the one it signed, unless another problem already
// tells why: it is the catch-all, for a difference no stream shows.
func (v *verifier) setCounted() {
	if v.set == nil || v.report.ProblemCount > 0 || v.set.counted == v.set.events {
		return
	}
	v.problem(Problem{Reason: fmt.Sprintf("the log has %d events at or below the checkpoint's position %d, the checkpoint signed %d",
		v.set.counted, v.set.position, v.set.events)})
}
