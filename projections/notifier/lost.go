package notifier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
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
// at the positions the messages name, and a stream's event at a version.
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

// sighting is a message of the stream, by what it names.
type sighting struct {
	seq     uint64
	stored  time.Time
	msgID   string
	agent   string
	change  changeRef
	checked bool // it names a change
	// resync is set on a corrective notification: the versions of its
	// stream it corrects.
	resync *resyncRef
}

type changeRef struct {
	stream   string
	version  int64
	tag      string
	position int64
}

func (c changeRef) key() string {
	return c.stream + ":" + strconv.FormatInt(c.version, 10) + "/" + c.tag
}

type resyncRef struct {
	stream   string
	from, to int64
}

func sightingOf(m jetstream.Msg, meta *jetstream.MsgMetadata) sighting {
	h := m.Headers()
	s := sighting{seq: meta.Sequence.Stream, stored: meta.Timestamp, msgID: h.Get(jetstream.MsgIDHeader), agent: h.Get(HeaderAgent)}
	if c, ok := parseChange(h.Get(HeaderChange)); ok {
		c.position, _ = strconv.ParseInt(h.Get(HeaderPosition), 10, 64)
		s.change, s.checked = c, true
	}
	if r, ok := parseResync(h.Get(HeaderResync)); ok {
		s.resync = &r
	}
	return s
}

// parseChange reads "<streamId>:<version>/<change>".
func parseChange(v string) (changeRef, bool) {
	slash := strings.LastIndexByte(v, '/')
	if slash < 0 {
		return changeRef{}, false
	}
	colon := strings.LastIndexByte(v[:slash], ':')
	if colon <= 0 {
		return changeRef{}, false
	}
	version, err := strconv.ParseInt(v[colon+1:slash], 10, 64)
	if err != nil || version <= 0 || slash == len(v)-1 {
		return changeRef{}, false
	}
	return changeRef{stream: v[:colon], version: version, tag: v[slash+1:]}, true
}

// parseResync reads "<streamId>:<from>-<to>".
func parseResync(v string) (resyncRef, bool) {
	colon := strings.LastIndexByte(v, ':')
	if colon <= 0 {
		return resyncRef{}, false
	}
	a, b, ok := strings.Cut(v[colon+1:], "-")
	from, err1 := strconv.ParseInt(a, 10, 64)
	to, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || from > to {
		return resyncRef{}, false
	}
	return resyncRef{stream: v[:colon], from: from, to: to}, true
}

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
