package notifier

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// rewind checks, each time the notifier's runner takes its lease and
// before it publishes anything, that the log did not go back under what
// the notification stream holds (lost.go), and corrects what it lost
// (resync.go).
//
// Where it looks: a change lost in a failover committed after every change
// the promoted server kept, the checkpoint's among them, so it was
// published after the checkpoint's change was recorded. The check reads
// the stream's messages stored since then, less ClockSkew, and at most
// its last CheckMessages; with no checkpoint, or one whose change the log
// no longer has, the last CheckMessages. After a normal stop that is
// ClockSkew's worth of notifications, once per start.
type rewind struct {
	cfg      *Config
	envelope envelope
	states   *sessionStates

	mu sync.Mutex
	// failingSince is when the checks began to fail; zero when the last
	// one ran.
	failingSince time.Time
	// owed is the start of a window a skipped check left unread.
	owed    time.Time
	isOwed  bool
	reports map[string]bool // the lost changes this process reported
}

func newRewind(cfg *Config, pl *planner) *rewind {
	if cfg.Log == nil || cfg.JetStream == nil {
		return nil
	}
	return &rewind{cfg: cfg, envelope: pl.envelope, states: pl.states, reports: map[string]bool{}}
}

// Resume implements projections.Resumer: it checks the stream against the
// log before the runner publishes from its checkpoint from, and tells
// where to resume (resumeFrom).
func (n *Notifier) Resume(ctx context.Context, from eventstore.Cursor) (eventstore.Cursor, error) {
	if n.rewind == nil {
		return from, nil
	}
	return n.rewind.check(ctx, from)
}

// check runs a check from the checkpoint from. A failure holds publishing
// back (the runner tries again) until the checks have failed for
// CheckPatience; then the notifier goes on, and the next check starts
// where the skipped one would have.
func (r *rewind) check(ctx context.Context, from eventstore.Cursor) (eventstore.Cursor, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, r.cfg.CheckTimeout)
	defer cancel()
	resume := from
	started := time.Now()
	since, missing, err := r.since(cctx, from)
	var report *LostReport
	if err == nil {
		report, err = r.run(cctx, since)
	}
	if err == nil && missing {
		resume, err = r.resumeFrom(cctx, from, report)
	}
	if err == nil {
		r.failingSince, r.isOwed = time.Time{}, false
		// Publishing waits for the check: its length is what a start or
		// a failover adds to every notification's delay.
		r.cfg.Logger.Info("notification stream checked against the log",
			"stream", r.cfg.Stream, "messages", report.Messages, "lost", len(report.Lost), "took", time.Since(started).Round(time.Millisecond))
		return resume, nil
	}
	if ctx.Err() != nil {
		return from, err
	}
	r.cfg.Metrics.checkFailed()
	now := time.Now()
	if r.failingSince.IsZero() {
		r.failingSince = now
	}
	if now.Sub(r.failingSince) < r.cfg.CheckPatience {
		return from, fmt.Errorf("check the notification stream against the log: %w", err)
	}
	if !r.isOwed || since.Before(r.owed) {
		r.owed, r.isOwed = since, true
	}
	r.cfg.Logger.Error("the notification stream could not be checked against the log: a failover's lost changes may go unreported; notifying unchecked, checking again at the next start",
		"stream", r.cfg.Stream, "failing_for", now.Sub(r.failingSince).Round(time.Second), "err", err)
	return from, nil
}

// since is where a check from the checkpoint from starts reading the
// stream; zero for its last CheckMessages. missing tells that the log
// no longer has the checkpoint's change.
func (r *rewind) since(ctx context.Context, from eventstore.Cursor) (since time.Time, missing bool, err error) {
	if from != eventstore.Start {
		events, err := r.cfg.Log.ReadRange(ctx, &eventstore.ReadRangeParams{From: from.Position, To: from.Position, Limit: 1})
		if err != nil {
			return time.Time{}, false, err
		}
		if len(events) == 1 && events[0].Cursor() == from {
			since = events[0].RecordedAt.Add(-r.cfg.ClockSkew)
		} else {
			missing = true
		}
	}
	if r.isOwed && r.owed.Before(since) {
		since = r.owed
	}
	return since, missing, nil
}

// run finds the lost changes, reports those this process has not, and
// publishes the corrective notifications of their sessions.
func (r *rewind) run(ctx context.Context, since time.Time) (*LostReport, error) {
	report, err := FindLost(ctx, r.cfg.JetStream, r.cfg.Log, FindLostParams{Stream: r.cfg.Stream, Since: since, MaxMessages: r.cfg.CheckMessages})
	if err != nil {
		return nil, err
	}
	lost := report.Uncorrected()
	if len(lost) == 0 {
		return report, nil
	}
	fresh := 0
	byStream := map[string][]LostChange{}
	var streams []string
	for _, l := range lost {
		if _, seen := byStream[l.StreamID]; !seen {
			streams = append(streams, l.StreamID)
		}
		byStream[l.StreamID] = append(byStream[l.StreamID], l)
		key := changeRef{stream: l.StreamID, version: l.Version, tag: l.Change}.key()
		if r.reports[key] {
			continue
		}
		r.reports[key] = true
		fresh++
		msgID := ""
		if len(l.MsgIDs) > 0 {
			msgID = l.MsgIDs[0]
		}
		r.cfg.Logger.Warn("a notified change is not in the log: lost in a failover (docs/HA.md)",
			"stream", l.StreamID, "version", l.Version, "change", l.Change, "position", l.Position, "reason", l.Reason,
			"msg_id", msgID, "messages", len(l.MsgIDs), "stored", l.Stored)
	}
	r.cfg.Metrics.rewound(fresh)
	resynced := 0
	for _, stream := range streams {
		n, err := r.resync(ctx, stream, byStream[stream])
		resynced += n
		if err != nil {
			return nil, err
		}
	}
	r.cfg.Logger.Warn("the log went back under the notification stream: corrected",
		"lost_changes", len(lost), "streams", len(streams), "resync_messages", resynced, "read_from_seq", report.FirstSeq, "read_to_seq", report.LastSeq)
	return report, nil
}

// resync publishes the corrective notifications of a stream's lost
// changes, and forgets the state the notifier kept of it. Only sessions
// get them: a lost change of an agent's channels is reported only.
func (r *rewind) resync(ctx context.Context, stream string, lost []LostChange) (int, error) {
	r.states.sessions.Remove(stream)
	if _, ok := sessionlog.SessionID(stream); !ok {
		return 0, nil
	}
	s, err := readSession(ctx, r.cfg.Log, stream)
	if err != nil {
		return 0, err
	}
	msgs, err := r.envelope.resyncMessages(s, lost, r.cfg.BaseURL)
	if err != nil {
		return 0, err
	}
	for i, m := range msgs {
		if _, err := r.cfg.JetStream.PublishMsg(ctx, m); err != nil {
			return i, fmt.Errorf("publish the resync of %s: %w", stream, err)
		}
		r.cfg.Metrics.resynced(1)
	}
	return len(msgs), nil
}
