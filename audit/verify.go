package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"

	"github.com/fbsession/fbsession/eventstore"
)

// Problem is a place where the record fails verification.
type Problem struct {
	// Position is the first bad event's global position; 0 for a view
	// that has no events.
	Position int64  `json:"position"`
	StreamID string `json:"streamId"`
	Version  int64  `json:"version"`
	Reason   string `json:"reason"`
}

// Head is a stream's last event: keep the digest of all heads elsewhere to
// detect a truncated log later.
type Head struct {
	StreamID string `json:"streamId"`
	Version  int64  `json:"version"`
	Hash     string `json:"hash"`
}

// Report is the outcome of Verify.
type Report struct {
	Streams int64 `json:"streams"`
	Events  int64 `json:"events"`
	Views   int64 `json:"views"`
	// ReferenceIDs counts the changes that carry a referenceId, each
	// checked to be the only one with it.
	ReferenceIDs int64 `json:"referenceIds"`
	// Digest is SHA-256 over "<stream id> <version> <head hash hex>\n" for
	// every stream, in stream id order.
	Digest string `json:"headsDigest"`
	Heads  []Head `json:"heads,omitempty"`
	// Checkpoint, after VerifySince, is the checkpoint the log was proved
	// to extend, unless Problems say otherwise.
	Checkpoint *CheckpointRef `json:"checkpoint,omitempty"`
	// Problems are the first MaxProblems found, by position; ProblemCount
	// counts them all.
	Problems     []Problem `json:"problems"`
	ProblemCount int       `json:"problemCount"`
}

// OK tells whether everything verified.
func (r *Report) OK() bool { return r.ProblemCount == 0 }

// MaxProblems caps the problems a report lists.
const MaxProblems = 100

// VerifyParams are the arguments of Verify.
type VerifyParams struct {
	// SessionID limits verification to one session.
	SessionID string
	// KeepHeads lists every stream's head in the report.
	KeepHeads bool
	// Progress is told the number of events verified so far.
	Progress func(events int64)
	// ChainsOnly skips the read model: the hash chains and heads only.
	ChainsOnly bool
	// since, when set, are the heads of a checkpoint that every stream
	// must still have (VerifySince).
	since []Head
	// sinceSet, when set, is the set of events such a checkpoint signed
	// exactly (CheckpointFormat).
	sinceSet *signedSet
}

// Verify recomputes every hash chain (or one session's) and compares each
// stored view with a fresh fold of its stream's events.
func Verify(ctx context.Context, s Log, p VerifyParams) (*Report, error) {
	return verify(ctx, s, s, p)
}

// verify reads views from views unless p.ChainsOnly.
func verify(ctx context.Context, s CheckpointLog, views eventstore.Views, p VerifyParams) (*Report, error) {
	v := &verifier{report: &Report{Problems: []Problem{}}, digest: sha256.New(), keepHeads: p.KeepHeads, chainsOnly: p.ChainsOnly, views: views}
	if p.since != nil {
		v.since = make(map[string]Head, len(p.since))
		for _, h := range p.since {
			v.since[h.StreamID] = h
		}
	}
	v.set = p.sinceSet
	var err error
	if p.SessionID != "" {
		err = v.session(ctx, s, p.SessionID)
	} else {
		err = v.all(ctx, s, p.Progress)
	}
	if err != nil {
		return nil, err
	}
	v.gone()
	v.setCounted()
	slices.SortFunc(v.report.Problems, func(a, b Problem) int { return int(a.Position - b.Position) })
	v.report.Problems = v.report.Problems[:min(len(v.report.Problems), MaxProblems)]
	v.report.Digest = hex.EncodeToString(v.digest.Sum(nil))
	return v.report, nil
}

type verifier struct {
	report     *Report
	digest     hash.Hash
	keepHeads  bool
	chainsOnly bool
	views      eventstore.Views
	// since holds the checkpoint's heads of streams not reached yet.
	since map[string]Head
	// set, against a checkpoint that signed its set of events exactly,
	// counts the log's events at or below its position.
	set *signedSet
	// refs are the referenceIds seen.
	refs refSet
}

func (v *verifier) problem(p Problem) {
	v.report.ProblemCount++
	// Keep a bounded list, preferring the lowest positions.
	v.report.Problems = append(v.report.Problems, p)
	if len(v.report.Problems) > 4*MaxProblems {
		slices.SortFunc(v.report.Problems, func(a, b Problem) int { return int(a.Position - b.Position) })
		v.report.Problems = v.report.Problems[:MaxProblems]
	}
}

func (v *verifier) session(ctx context.Context, s eventstore.Store, sessionID string) error {
	events, err := readSession(ctx, s, sessionID)
	if err != nil {
		return err
	}
	var view *eventstore.StreamView
	if !v.chainsOnly {
		view, err = v.views.View(ctx, &eventstore.ViewParams{StreamID: events[0].StreamID})
		if err != nil && !errors.Is(err, eventstore.ErrNotFound) {
			return err
		}
	}
	v.stream(events, view)
	return nil
}

// all walks every stream in id order beside every view in id order.
func (v *verifier) all(ctx context.Context, s eventstore.Scanner, progress func(int64)) error {
	views := &viewCursor{s: v.views}
	p := &eventstore.ScanStreamsParams{Limit: 1000}
	var current []eventstore.RecordedEvent
	flush := func() error {
		if len(current) == 0 {
			return nil
		}
		var view *eventstore.StreamView
		if !v.chainsOnly {
			var err error
			if view, err = views.match(ctx, current[0].StreamID, v); err != nil {
				return err
			}
		}
		v.stream(current, view)
		current = current[:0]
		return nil
	}
	for {
		page, err := s.ScanStreams(ctx, p)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for i := range page {
			if len(current) > 0 && page[i].StreamID != current[0].StreamID {
				if err := flush(); err != nil {
					return err
				}
			}
			current = append(current, page[i])
		}
		last := &page[len(page)-1]
		p.AfterStream, p.AfterVersion = last.StreamID, last.Version
		if progress != nil {
			progress(v.report.Events + int64(len(current)))
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if v.chainsOnly {
		return nil
	}
	return views.rest(ctx, v)
}

// stream verifies one stream's chain and its view.
func (v *verifier) stream(events []eventstore.RecordedEvent, view *eventstore.StreamView) {
	v.report.Streams++
	v.report.Events += int64(len(events))
	id := events[0].StreamID
	chain := eventstore.NewChainVerifier(id)
	intact := true
	for i := range events {
		if err := chain.Next(&events[i]); err != nil {
			var ce *eventstore.ChainError
			if errors.As(err, &ce) {
				v.problem(Problem{Position: ce.Position, StreamID: id, Version: ce.Version, Reason: ce.Reason})
			}
			intact = false
			break
		}
	}
	last := &events[len(events)-1]
	v.positioned(events)
	v.referenced(events)
	v.inSet(events)
	v.extends(events)
	fmt.Fprintf(v.digest, "%s %d %x\n", id, last.Version, last.Hash)
	if v.keepHeads {
		v.report.Heads = append(v.report.Heads, Head{StreamID: id, Version: last.Version, Hash: hex.EncodeToString(last.Hash)})
	}
	if view != nil {
		v.report.Views++
	}
	if v.chainsOnly || !intact {
		return // a broken chain's fold proves nothing
	}
	want, hasView, err := viewOf(events)
	switch {
	case !hasView:
		return
	case err != nil:
		v.problem(Problem{Position: last.Position, StreamID: id, Version: last.Version, Reason: "events do not decode: " + err.Error()})
	case view == nil:
		v.problem(Problem{Position: last.Position, StreamID: id, Version: last.Version, Reason: "read model has no row for the stream"})
	case view.Version != want.Version:
		v.problem(Problem{Position: last.Position, StreamID: id, Version: last.Version,
			Reason: fmt.Sprintf("read model is at version %d, the log at %d", view.Version, want.Version)})
	default:
		if reason := viewDiffers(view, &want); reason != "" {
			v.problem(Problem{Position: last.Position, StreamID: id, Version: last.Version, Reason: reason})
		}
	}
}

// viewCursor pages through the views in stream id order.
type viewCursor struct {
	s     eventstore.Views
	page  []eventstore.StreamView
	after string
	done  bool
}

func (c *viewCursor) peek(ctx context.Context) (*eventstore.StreamView, error) {
	if len(c.page) == 0 && !c.done {
		page, err := c.s.ScanViews(ctx, &eventstore.ScanViewsParams{After: c.after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			c.done = true
		} else {
			c.page, c.after = page, page[len(page)-1].StreamID
		}
	}
	if len(c.page) == 0 {
		return nil, nil
	}
	return &c.page[0], nil
}

// match returns the view of streamID, reporting views of streams before it
// that have no events.
func (c *viewCursor) match(ctx context.Context, streamID string, v *verifier) (*eventstore.StreamView, error) {
	for {
		view, err := c.peek(ctx)
		if err != nil || view == nil || view.StreamID > streamID {
			return nil, err
		}
		c.page = c.page[1:]
		if view.StreamID == streamID {
			return view, nil
		}
		v.orphan(view)
	}
}

func (c *viewCursor) rest(ctx context.Context, v *verifier) error {
	for {
		view, err := c.peek(ctx)
		if err != nil || view == nil {
			return err
		}
		c.page = c.page[1:]
		v.orphan(view)
	}
}

func (v *verifier) orphan(view *eventstore.StreamView) {
	v.report.Views++
	v.problem(Problem{StreamID: view.StreamID, Version: view.Version, Reason: "read model has a row for a stream with no events"})
}
