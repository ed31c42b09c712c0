package notifier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/eventstore"
)

// After a failover of an asynchronously replicated PostgreSQL, the log can
// lack changes the notifier had already published: the promoted standby
// never got them. Everything the database holds went back with it, the
// notifier's checkpoint included; what survives is the notification
// stream, whose messages name their change (HeaderChange). FindLost reads
// the stream and looks each change up in the log.

// LogReader is what a search for lost changes reads of the log: the events
// at the positions the messages name, a stream's event at a version, and
// the head, from which the notifier looks back for a change the log kept
// (resume.go).
type LogReader interface {
	ReadRange(ctx context.Context, p *eventstore.ReadRangeParams) ([]eventstore.RecordedEvent, error)
	ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error)
	Head(ctx context.Context) (int64, error)
}

// LostChange is a change the notification stream holds and the log does
// not: no event at its stream and version, or another one (with another
// hash).
type LostChange struct {
	StreamID string `json:"streamId"`
	Version  int64  `json:"version"`
	// Change is 64 bits of its last event's hash, in hex.
	Change   string `json:"change"`
	Position int64  `json:"position"`
	// Reason is "absent" (the stream has no event at that version) or
	// "differs" (the event there has another hash).
	Reason string `json:"reason"`
	// MsgIDs are the Nats-Msg-Id of its messages in the stream, in order.
	MsgIDs []string `json:"msgIds"`
	// Agents are the agents its messages went to or named.
	Agents []string `json:"agents,omitempty"`
	// Seq and Stored are the stream sequence and time of its first message.
	Seq    uint64    `json:"seq"`
	Stored time.Time `json:"stored"`
	// Corrected tells that a corrective notification (HeaderResync) was
	// stored after it.
	Corrected bool `json:"corrected"`
}

// Lost reasons.
const (
	LostAbsent  = "absent"
	LostDiffers = "differs"
)

// FindLostParams bound a search.
type FindLostParams struct {
	// Stream is the JetStream stream of the notifications.
	Stream string
	// Since, when set, skips the messages stored before it.
	Since time.Time
	// MaxMessages, when positive, reads at most the stream's last this
	// many messages.
	MaxMessages int
	// FetchWait bounds each wait for a batch of messages. Default 5s.
	FetchWait time.Duration
}

// LostReport is what a search found.
type LostReport struct {
	Stream string `json:"stream"`
	// FirstSeq and LastSeq are the stream sequences read (0 when none).
	FirstSeq uint64 `json:"firstSeq"`
	LastSeq  uint64 `json:"lastSeq"`
	// LastStored is when the last message read was stored.
	LastStored time.Time `json:"lastStored"`
	// Messages were read; Unchecked of them name no change (published by
	// a version before HeaderChange).
	Messages  int          `json:"messages"`
	Unchecked int          `json:"unchecked"`
	Lost      []LostChange `json:"lost"`
}

// Uncorrected are the lost changes no corrective notification covers yet.
func (r *LostReport) Uncorrected() []LostChange {
	var out []LostChange
	for _, l := range r.Lost {
		if !l.Corrected {
			out = append(out, l)
		}
	}
	return out
}

// findBatch is how many messages are looked up in the log at once.
const findBatch = 4096

// FindLost reads the notification stream from the first message p allows
// up to its last message as of the call, and returns the changes it holds
// that the log does not. A stream that does not exist holds none.
func FindLost(ctx context.Context, js jetstream.JetStream, log LogReader, p FindLostParams) (*LostReport, error) {
	if p.FetchWait <= 0 {
		p.FetchWait = 5 * time.Second
	}
	report := &LostReport{Stream: p.Stream, Lost: []LostChange{}}
	stream, err := js.Stream(ctx, p.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return report, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", p.Stream, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", p.Stream, err)
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 {
		return report, nil
	}
	cfg, err := startAt(ctx, stream, info.State.FirstSeq, last, p)
	if err != nil || cfg == nil {
		return report, err
	}
	cons, err := stream.OrderedConsumer(ctx, *cfg)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", p.Stream, err)
	}
	f := newFinder(log)
	// Each fetch asks for no more than is left to read up to last: a
	// fetch for more would wait out FetchWait for messages to come.
	next := cfg.OptStartSeq // 0 when started by time: learnt from the first
	for done := false; !done; {
		n := 1
		if next > 0 && next <= last {
			n = int(min(uint64(findBatch), last-next+1))
		}
		batch, err := cons.Fetch(n, jetstream.FetchMaxWait(p.FetchWait))
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", p.Stream, err)
		}
		var read []sighting
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				return nil, err
			}
			read = append(read, sightingOf(m, meta))
			next = meta.Sequence.Stream + 1
			if meta.Sequence.Stream >= last || meta.NumPending == 0 {
				done = true
				break
			}
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("stream %s: %w", p.Stream, err)
		}
		if len(read) == 0 {
			break // the rest was removed meanwhile (age, size)
		}
		if report.FirstSeq == 0 {
			report.FirstSeq = read[0].seq
		}
		report.LastSeq, report.LastStored = read[len(read)-1].seq, read[len(read)-1].stored
		report.Messages += len(read)
		if err := f.check(ctx, read); err != nil {
			return nil, err
		}
	}
	report.Unchecked = f.unchecked
	report.Lost = f.lost()
	return report, nil
}

// startAt is the consumer that reads from the first message p allows; nil
// when no message is stored at or after p.Since.
func startAt(ctx context.Context, stream jetstream.Stream, first, last uint64, p FindLostParams) (*jetstream.OrderedConsumerConfig, error) {
	from := first
	if p.MaxMessages > 0 && last >= uint64(p.MaxMessages) && last-uint64(p.MaxMessages)+1 > from {
		from = last - uint64(p.MaxMessages) + 1
	}
	bySeq := &jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
		HeadersOnly: true, InactiveThreshold: time.Minute}
	if p.Since.IsZero() {
		return bySeq, nil
	}
	// The later of the two bounds: the message at from is stored after
	// Since, or the first stored after Since is after it.
	m, err := stream.GetMsg(ctx, from)
	switch {
	case err == nil && !m.Time.Before(p.Since):
		return bySeq, nil
	case err != nil && !errors.Is(err, jetstream.ErrMsgNotFound):
		return nil, err
	}
	lastMsg, err := stream.GetMsg(ctx, last)
	if err == nil && lastMsg.Time.Before(p.Since) {
		return nil, nil
	}
	since := p.Since
	return &jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &since,
		HeadersOnly: true, InactiveThreshold: time.Minute}, nil
}
