package notifier

import (
	"context"

	"github.com/fbsession/fbsession/eventstore"
)

// resumeFrom is where to publish from when the log no longer has the
// checkpoint's change: a process that outlived the failover saved, on
// the promoted server, how far it had published on the old one. Changes
// appended since may sort before that checkpoint (on PostgreSQL their
// transaction ids can be the lost ones'; on SQLite the commit counter
// starts again from the last kept change), so the notifier publishes
// again from the last change the log kept, which sorts before every
// change appended since. It finds one recorded before the last lost change was
// notified (or the stream's last message stored), less ClockSkew:
// recorded before the failover, so kept; searching back from the log's
// head, a page of positions at a time, up to CheckMessages events. What
// it publishes again JetStream drops as duplicates within its window.
func (r *rewind) resumeFrom(ctx context.Context, from eventstore.Cursor, report *LostReport) (eventstore.Cursor, error) {
	before := report.LastStored
	for _, l := range report.Lost {
		if l.Stored.After(before) || before.IsZero() {
			before = l.Stored
		}
	}
	before = before.Add(-r.cfg.ClockSkew)
	head, err := r.cfg.Log.Head(ctx)
	if err != nil {
		return from, err
	}
	const page = 1000
	for to, read := head, 0; !before.IsZero() && to > 0 && read < r.cfg.CheckMessages; to -= page {
		events, err := r.cfg.Log.ReadRange(ctx, &eventstore.ReadRangeParams{From: max(1, to-page+1), To: to, Limit: page})
		if err != nil {
			return from, err
		}
		read += len(events)
		var kept *eventstore.RecordedEvent
		for i := range events {
			if events[i].RecordedAt.Before(before) && (kept == nil || kept.Cursor().Before(events[i].Cursor())) {
				kept = &events[i]
			}
		}
		if kept != nil {
			return kept.Cursor(), nil
		}
	}
	if head == 0 {
		return eventstore.Start, nil // the log is empty: nothing sorts before anything
	}
	r.cfg.Logger.Error("the log no longer has the notifier's checkpoint, and no change it kept was found to resume from: changes appended since the failover may go unnotified",
		"checkpoint", from, "before", before)
	return from, nil
}
