package notifier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/fbsession/fbsession/eventstore"
)

// finder looks a stream's messages up in the log, batch by batch, and
// keeps the lost changes and the corrections it saw.
type finder struct {
	log       LogReader
	found     map[string]*LostChange
	order     []string
	resyncs   map[string][]resyncSeen
	unchecked int
	// confirmed caches the verdict on each change looked up by version.
	confirmed map[string]string
}

type resyncSeen struct {
	resyncRef
	seq uint64
}

func newFinder(log LogReader) *finder {
	return &finder{log: log, found: map[string]*LostChange{}, resyncs: map[string][]resyncSeen{}, confirmed: map[string]string{}}
}

// check looks a batch up: first the events at the positions the messages
// name, in few range reads; a change not there is looked up by its stream
// and version, which tells it lost or not.
func (f *finder) check(ctx context.Context, batch []sighting) error {
	atPosition, err := f.readPositions(ctx, batch)
	if err != nil {
		return err
	}
	for i := range batch {
		s := &batch[i]
		if s.resync != nil {
			f.resyncs[s.resync.stream] = append(f.resyncs[s.resync.stream], resyncSeen{*s.resync, s.seq})
		}
		if !s.checked {
			if s.resync == nil {
				f.unchecked++
			}
			continue
		}
		if e, ok := atPosition[s.change.position]; ok && e.StreamID == s.change.stream && e.Version == s.change.version && changeTag(&e) == s.change.tag {
			continue
		}
		reason, err := f.confirm(ctx, s.change)
		if err != nil {
			return err
		}
		if reason != "" {
			f.add(s, reason)
		}
	}
	return nil
}

// readPositions reads the log's events at the positions the batch names,
// in ranges of nearby positions.
func (f *finder) readPositions(ctx context.Context, batch []sighting) (map[int64]eventstore.RecordedEvent, error) {
	var positions []int64
	for i := range batch {
		if batch[i].checked && batch[i].change.position > 0 {
			positions = append(positions, batch[i].change.position)
		}
	}
	sort.Slice(positions, func(i, j int) bool { return positions[i] < positions[j] })
	want := make(map[int64]bool, len(positions))
	for _, p := range positions {
		want[p] = true
	}
	out := make(map[int64]eventstore.RecordedEvent, len(positions))
	// A range spans positions no more than rangeGap apart: the messages of
	// a window name nearby positions, a re-publish far older ones.
	const rangeGap = 512
	for i := 0; i < len(positions); {
		j := i
		for j+1 < len(positions) && positions[j+1]-positions[j] <= rangeGap {
			j++
		}
		for from := positions[i]; from <= positions[j]; {
			events, err := f.log.ReadRange(ctx, &eventstore.ReadRangeParams{From: from, To: positions[j], Limit: eventstore.DefaultFeedLimit})
			if err != nil {
				return nil, fmt.Errorf("read the log at %d-%d: %w", from, positions[j], err)
			}
			for _, e := range events {
				if want[e.Position] {
					out[e.Position] = e
				}
			}
			if len(events) < eventstore.DefaultFeedLimit {
				break
			}
			from = events[len(events)-1].Position + 1
		}
		i = j + 1
	}
	return out, nil
}

// confirm looks a change up by its stream and version: "" when the log
// has it, else why it is lost.
func (f *finder) confirm(ctx context.Context, c changeRef) (string, error) {
	if reason, ok := f.confirmed[c.key()]; ok {
		return reason, nil
	}
	events, err := f.log.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: c.stream, FromVersion: c.version, Limit: 1})
	reason := ""
	switch {
	case errors.Is(err, eventstore.ErrNotFound) || (err == nil && (len(events) == 0 || events[0].Version != c.version)):
		reason = LostAbsent
	case err != nil:
		return "", fmt.Errorf("read %s v%d: %w", c.stream, c.version, err)
	case changeTag(&events[0]) != c.tag:
		reason = LostDiffers
	}
	f.confirmed[c.key()] = reason
	return reason, nil
}

func (f *finder) add(s *sighting, reason string) {
	k := s.change.key()
	l := f.found[k]
	if l == nil {
		l = &LostChange{StreamID: s.change.stream, Version: s.change.version, Change: s.change.tag, Position: s.change.position,
			Reason: reason, Seq: s.seq, Stored: s.stored}
		f.found[k] = l
		f.order = append(f.order, k)
	}
	l.MsgIDs = append(l.MsgIDs, s.msgID)
	if s.agent != "" && !slices.Contains(l.Agents, s.agent) {
		l.Agents = append(l.Agents, s.agent)
	}
}

// lost are the lost changes in the order their first messages were
// stored, each marked corrected when a corrective notification of its
// stream covering its version was stored after it.
func (f *finder) lost() []LostChange {
	out := make([]LostChange, 0, len(f.order))
	for _, k := range f.order {
		l := *f.found[k]
		for _, r := range f.resyncs[l.StreamID] {
			if r.seq > l.Seq && r.from <= l.Version && l.Version <= r.to {
				l.Corrected = true
			}
		}
		out = append(out, l)
	}
	return out
}
