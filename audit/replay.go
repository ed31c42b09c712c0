package audit

import (
	"context"
	"slices"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections/notifier"
)

// ReplayParams are the arguments of Replay.
type ReplayParams struct {
	// From and To bound the global positions replayed, both included; To 0
	// means up to the end.
	From, To int64
	// Notifier builds the messages, with the replay's subject prefix.
	Notifier *notifier.Notifier
	Conn     *nats.Conn
	Progress func(events int64)
}

// replayPage is how many events a replay reads at once.
const replayPage = 500

// Replay re-publishes the notifications of a range of positions, in order,
// on core NATS under the notifier's prefix. It reads the log only: the live
// notifier's checkpoint is not touched. Messages keep their Nats-Msg-Id.
func Replay(ctx context.Context, s eventstore.Scanner, p ReplayParams) (published int, err error) {
	from := max(p.From, 1)
	var events int64
	for {
		page, err := s.ReadRange(ctx, &eventstore.ReadRangeParams{From: from, To: p.To, Limit: replayPage})
		if err != nil {
			return published, err
		}
		if len(page) == 0 {
			break
		}
		full := len(page) == replayPage
		page, next := wholeAppendsByPosition(page, full)
		msgs, err := p.Notifier.Messages(ctx, page)
		if err != nil {
			return published, err
		}
		for _, m := range msgs {
			if err := p.Conn.PublishMsg(m); err != nil {
				return published, err
			}
			published++
		}
		events += int64(len(page))
		if p.Progress != nil {
			p.Progress(events)
		}
		if !full {
			break
		}
		from = next
	}
	return published, p.Conn.FlushTimeout(30 * time.Second)
}

// wholeAppendsByPosition orders a page of a position range as the feed
// does, by commit then position, so that each append's events sit
// together. A full page may have cut an append short, and positions of
// concurrent appends interleave: it then drops the append of the highest
// position and every event from that append's first position on, and
// returns that position as where the next page starts.
func wholeAppendsByPosition(page []eventstore.RecordedEvent, full bool) ([]eventstore.RecordedEvent, int64) {
	next := page[len(page)-1].Position + 1
	if full {
		last := page[len(page)-1]
		cut := last.Position
		for _, e := range page {
			if e.StreamID == last.StreamID && e.Commit == last.Commit {
				cut = min(cut, e.Position)
			}
		}
		kept := page[:0:0]
		for _, e := range page {
			if e.Position < cut {
				kept = append(kept, e)
			}
		}
		if len(kept) > 0 {
			page, next = kept, cut
		}
	}
	page = slices.Clone(page)
	slices.SortFunc(page, func(a, b eventstore.RecordedEvent) int {
		if a.Cursor().Before(b.Cursor()) {
			return -1
		}
		return 1
	})
	return page, next
}
