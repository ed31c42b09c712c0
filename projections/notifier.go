package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
)

// NotifierConfig configures a Notifier.
type NotifierConfig struct {
	// JetStream publishes; it may be nil for a notifier that only builds
	// messages (replays).
	JetStream jetstream.JetStream
	Store     eventstore.Store
	// Prefix of the subjects, "gws.v2" by default.
	Prefix string
	// BaseURL prefixes the resources' uris.
	BaseURL string
	// Stream is the JetStream stream capturing Prefix.users.>; created or
	// updated on first use. Default "FBSESSION_NOTIFICATIONS". Empty
	// StreamName with SkipStream publishes without managing a stream.
	Stream     string
	SkipStream bool
	// Retention is how long the stream keeps messages. Default 7 days.
	Retention time.Duration
	// DuplicateWindow is how long JetStream remembers message ids to drop
	// a re-publish. It must outlast the longest restart; every id in it
	// costs server memory. Default 10 minutes.
	DuplicateWindow time.Duration
	// AckTimeout bounds the wait for a page's acks. Default 10s.
	AckTimeout time.Duration
}

func (c *NotifierConfig) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = "gws.v2"
	}
	if c.Stream == "" {
		c.Stream = "FBSESSION_NOTIFICATIONS"
	}
	if c.Retention <= 0 {
		c.Retention = 7 * 24 * time.Hour
	}
	if c.DuplicateWindow <= 0 {
		c.DuplicateWindow = 10 * time.Minute
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = 10 * time.Second
	}
}

// Notifier is the projector that publishes one StatusChange per committed
// change of a session: one per append, not one per event.
type Notifier struct {
	cfg NotifierConfig

	mu      sync.Mutex
	ensured bool
}

// NewNotifier returns a notifier.
func NewNotifier(cfg NotifierConfig) (*Notifier, error) {
	cfg.setDefaults()
	if cfg.Store == nil {
		return nil, errors.New("projections: a notifier needs a store")
	}
	return &Notifier{cfg: cfg}, nil
}

// StreamConfig is the JetStream stream the notifier keeps.
func (n *Notifier) StreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        n.cfg.Stream,
		Description: "fbsession StatusChange notifications",
		Subjects:    []string{n.cfg.Prefix + ".users.>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      n.cfg.Retention,
		Duplicates:  n.cfg.DuplicateWindow,
	}
}

// EnsureStream creates or updates the stream.
func (n *Notifier) EnsureStream(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ensured || n.cfg.SkipStream {
		return nil
	}
	if _, err := n.cfg.JetStream.CreateOrUpdateStream(ctx, n.StreamConfig()); err != nil {
		return fmt.Errorf("stream %s: %w", n.cfg.Stream, err)
	}
	n.ensured = true
	return nil
}

// Project implements Projector: it publishes the page's changes
// asynchronously and returns once JetStream has acknowledged them all.
func (n *Notifier) Project(ctx context.Context, events []eventstore.RecordedEvent) error {
	if n.cfg.JetStream == nil {
		return errors.New("projections: this notifier has no JetStream to publish with")
	}
	if err := n.EnsureStream(ctx); err != nil {
		return err
	}
	batch := changes(events)
	states, err := n.statesBefore(ctx, batch)
	if err != nil {
		return err
	}
	var futures []jetstream.PubAckFuture
	for _, change := range batch {
		msg, err := n.message(states, change)
		if err != nil {
			return err
		}
		if msg == nil {
			continue
		}
		f, err := n.cfg.JetStream.PublishMsgAsync(msg)
		if err != nil {
			return fmt.Errorf("publish %s: %w", msg.Header.Get(jetstream.MsgIDHeader), err)
		}
		futures = append(futures, f)
	}
	timeout := time.NewTimer(n.cfg.AckTimeout)
	defer timeout.Stop()
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("publish %s: %w", f.Msg().Header.Get(jetstream.MsgIDHeader), err)
		case <-timeout.C:
			return errors.New("publish: no ack in time")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// changes splits a page into appends: consecutive events of one stream
// sharing a commit.
func changes(events []eventstore.RecordedEvent) [][]eventstore.RecordedEvent {
	var out [][]eventstore.RecordedEvent
	start := 0
	for i := 1; i <= len(events); i++ {
		if i == len(events) || events[i].StreamID != events[start].StreamID || events[i].Commit != events[start].Commit {
			out = append(out, events[start:i])
			start = i
		}
	}
	return out
}

// streamPrefix marks the streams of sessions.
var streamPrefix = fb.StreamID("")

// Messages builds the notifications of a page of events without
// publishing them, in feed order (for replays).
func (n *Notifier) Messages(ctx context.Context, events []eventstore.RecordedEvent) ([]*nats.Msg, error) {
	batch := changes(events)
	states, err := n.statesBefore(ctx, batch)
	if err != nil {
		return nil, err
	}
	var out []*nats.Msg
	for _, change := range batch {
		msg, err := n.message(states, change)
		if err != nil {
			return nil, err
		}
		if msg != nil {
			out = append(out, msg)
		}
	}
	return out, nil
}

// statesBefore folds each session the changes touch up to just before its
// first change in the batch, reading all those streams in one query.
func (n *Notifier) statesBefore(ctx context.Context, batch [][]eventstore.RecordedEvent) (map[string]*fb.State, error) {
	first := map[string]int64{}
	var ids []string
	for _, change := range batch {
		id := change[0].StreamID
		if !strings.HasPrefix(id, streamPrefix) {
			continue
		}
		if _, ok := first[id]; !ok {
			first[id] = change[0].Version
			ids = append(ids, id)
		}
	}
	records, err := n.cfg.Store.ReadStreams(ctx, ids)
	if err != nil {
		return nil, err
	}
	states := make(map[string]*fb.State, len(ids))
	for _, id := range ids {
		states[id] = &fb.State{}
	}
	for i := range records {
		r := &records[i]
		if r.Version >= first[r.StreamID] {
			continue
		}
		s := states[r.StreamID]
		if *s, err = commands.EvolveRecord(*s, r); err != nil {
			return nil, err
		}
	}
	return states, nil
}

// message builds the notification of one change, the session as it was
// right after it, and moves the session's state past it. Nil for streams
// that are not sessions.
func (n *Notifier) message(states map[string]*fb.State, change []eventstore.RecordedEvent) (*nats.Msg, error) {
	last := &change[len(change)-1]
	sessionID, ok := strings.CutPrefix(last.StreamID, streamPrefix)
	if !ok {
		return nil, nil
	}
	s := states[last.StreamID]
	for i := range change {
		var err error
		if *s, err = commands.EvolveRecord(*s, &change[i]); err != nil {
			return nil, err
		}
	}
	meta, err := eventstore.DecodeMetadata(last.Metadata)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s v%d: %w", last.StreamID, last.Version, err)
	}
	body, err := json.Marshal(Notification{
		ReferenceID:      meta.ReferenceID,
		NotificationType: notificationStatusChange,
		MessageType:      messageStateChange,
		Facebooksession:  s.Resource(n.cfg.BaseURL),
	})
	if err != nil {
		return nil, err
	}
	msg := nats.NewMsg(Subject(n.cfg.Prefix, s.AgentID, sessionID))
	msg.Data = body
	// Stable for the change: a re-publish after a crash is a duplicate.
	msg.Header.Set(jetstream.MsgIDHeader, last.StreamID+":"+strconv.FormatInt(last.Version, 10))
	msg.Header.Set("Fbsession-Position", strconv.FormatInt(last.Position, 10))
	return msg, nil
}
