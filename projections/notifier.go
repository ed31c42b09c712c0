package projections

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/bytelru"
	"github.com/fbsession/fbsession/sessionlog"
)

// StreamsReader is what a notifier needs of the store: the streams of
// sessions it has not followed, and the user data their views keep.
type StreamsReader interface {
	ReadStreams(ctx context.Context, p *eventstore.ReadStreamsParams) ([]eventstore.RecordedEvent, error)
	ReadViews(ctx context.Context, p *eventstore.ReadViewsParams) ([]eventstore.StreamView, error)
}

// NotifierConfig configures a Notifier.
type NotifierConfig struct {
	// JetStream publishes; it may be nil for a notifier that only builds
	// messages (replays).
	JetStream jetstream.JetStream
	// Store is read for the sessions a page changes that the notifier has
	// not followed since their previous change.
	Store StreamsReader
	// Prefix of the subjects, "gws.v2" by default.
	Prefix string
	// BaseURL prefixes the resources' uris.
	BaseURL string
	// Stream is the JetStream stream capturing Prefix.users.> and
	// Prefix.integration.>; created or updated on first use (a stream of
	// an earlier version, capturing Prefix.users.> only, is updated in
	// place). Default "FBSESSION_NOTIFICATIONS". Empty StreamName with
	// SkipStream publishes without managing a stream.
	Stream     string
	SkipStream bool
	// Retention is how long the stream keeps messages. Default 7 days.
	Retention time.Duration
	// Replicas is how many servers of a NATS cluster keep each message of
	// the stream: 3 survives the loss of any one. Default 1.
	Replicas int
	// DuplicateWindow is how long JetStream remembers message ids to drop
	// a re-publish. It must outlast the longest restart; every id in it
	// costs server memory. Default 10 minutes.
	DuplicateWindow time.Duration
	// AckTimeout bounds the wait for a page's acks. Default 10s.
	AckTimeout time.Duration
	// CachedSessions bounds the open sessions whose state the notifier
	// keeps between pages, the most recently changed, so that a change
	// its session's view has moved past needs no read of the stream
	// before it. A session's last change is notified from its view: the
	// sessions kept are the ones changed again meanwhile, chats in full
	// flow. Default 2,000.
	CachedSessions int
	// MsgIDKey, when set, keys the messages' Nats-Msg-Id (an HMAC of the
	// stream and version): a client that could publish to the subjects
	// cannot then guess a future id and publish a fake under it first,
	// which JetStream would keep and drop the real notification as its
	// duplicate. Every process of a deployment needs the same key.
	MsgIDKey []byte
	// CachedBytes bounds the memory those states take, estimated from their
	// sizes: kept without their user data, they are still the client's to
	// size, so a count alone does not bound them. Default 16 MiB. A session
	// pushed out is read from its stream at its next change.
	CachedBytes int
	// MaxMessagesBytes bounds the messages of one NewMessages
	// notification, encoded: the transcript an Accept shows is split into
	// several notifications past it, so that each fits in a NATS message
	// (1 MiB by default). Default 256 KiB.
	MaxMessagesBytes int
	// Metrics, when set, count the messages published and the publishes
	// that failed.
	Metrics *Metrics
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
	if c.CachedSessions <= 0 {
		c.CachedSessions = DefaultCachedSessions
	}
	if c.CachedBytes <= 0 {
		c.CachedBytes = 16 << 20
	}
	if c.MaxMessagesBytes <= 0 {
		c.MaxMessagesBytes = 256 << 10
	}
}

// DefaultCachedSessions is the notifier's NotifierConfig.CachedSessions.
const DefaultCachedSessions = 2_000

// Notifier is the projector that publishes the notifications of each
// committed change of a session (one append, whatever its events): to the
// agents it concerns on their subjects, and all of them, with the agents'
// typing indicators, to the integration side on the session's integration
// subject (see notes.go for which, per event).
type Notifier struct {
	cfg NotifierConfig
	// sessions holds open sessions as they were after the last change the
	// notifier saw, keyed by stream, without their user data, which a page
	// reads from the views when its notifications show it. An entry serves
	// only the change right after its version, so a stale one (a replayed
	// page, another process having projected meanwhile) is read afresh,
	// never trusted.
	sessions *bytelru.Cache[string, sessionAt]

	// order holds a session's later change until JetStream acknowledged
	// the one before it.
	order *sessionOrder

	mu      sync.Mutex
	ensured bool
}

// sessionAt is a session's state after the change at version, but for
// its user data: hasUserData tells whether it has any.
type sessionAt struct {
	version     int64
	state       fb.State
	hasUserData bool
}

// size estimates the memory an entry keeps.
func (s sessionAt) size() int {
	return bytelru.EntryOverhead + sessionlog.StateBytes(s.state)
}

// NewNotifier returns a notifier.
func NewNotifier(cfg NotifierConfig) (*Notifier, error) {
	cfg.setDefaults()
	if cfg.Store == nil {
		return nil, errors.New("projections: a notifier needs a store")
	}
	sessions := bytelru.New[string](cfg.CachedSessions, cfg.CachedBytes, sessionAt.size)
	return &Notifier{cfg: cfg, sessions: sessions, order: newSessionOrder()}, nil
}

// StreamConfig is the JetStream stream the notifier keeps.
func (n *Notifier) StreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        n.cfg.Stream,
		Description: "fbsession notifications",
		Subjects:    []string{n.cfg.Prefix + ".users.>", n.cfg.Prefix + ".integration.>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      n.cfg.Retention,
		Duplicates:  n.cfg.DuplicateWindow,
		Replicas:    max(n.cfg.Replicas, 1),
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

// Project implements Projector: it publishes the page's changes and
// returns once JetStream has acknowledged them all.
func (n *Notifier) Project(ctx context.Context, events []eventstore.RecordedEvent) error {
	done, err := n.Start(ctx, events)
	if err != nil {
		return err
	}
	return <-done
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

// Messages builds the notifications of a page of events in feed order,
// every message of each change (its agents' and the integration side's),
// without publishing them: Start publishes them, a replay sends them
// elsewhere.
func (n *Notifier) Messages(ctx context.Context, events []eventstore.RecordedEvent) ([]*nats.Msg, error) {
	pubs, err := n.publications(ctx, events)
	if err != nil {
		return nil, err
	}
	out := make([]*nats.Msg, 0, len(pubs))
	for _, p := range pubs {
		if p.msg != nil {
			out = append(out, p.msg)
		}
	}
	return out, nil
}

// publications builds the messages of a page, each with its session and
// place among the session's messages, which Start needs to keep them in
// order. A session's change with nothing to publish is a publication
// without a message, so that the session's chain has no gap.
func (n *Notifier) publications(ctx context.Context, events []eventstore.RecordedEvent) ([]*publication, error) {
	batch := changes(events)
	// The sessions a change of which shows the transcript so far (an
	// Accept): their records are kept if their streams are read anyway.
	showing := map[string]bool{}
	for _, change := range batch {
		if change[len(change)-1].Type == fb.TypeOfferAccepted {
			showing[change[0].StreamID] = true
		}
	}
	views, err := n.readViews(ctx, batch)
	if err != nil {
		return nil, err
	}
	viewed := viewedChanges(batch, views)
	folded := make([][]eventstore.RecordedEvent, 0, len(batch))
	for i, change := range batch {
		if viewed[i] == nil {
			folded = append(folded, change)
		}
	}
	states, records, err := n.statesBefore(ctx, folded, views, showing)
	if err != nil {
		return nil, err
	}
	plans := make([]*plan, 0, len(batch))
	var unread []string
	for i, change := range batch {
		var p *plan
		var err error
		if v := viewed[i]; v != nil {
			p, err = n.planFromView(v, change)
		} else {
			p, err = n.plan(states, change)
		}
		if err != nil {
			return nil, err
		}
		if p == nil {
			continue // not a session
		}
		if p.showsTranscript() && records[p.stream] == nil && !slices.Contains(unread, p.stream) {
			unread = append(unread, p.stream)
		}
		plans = append(plans, p)
	}
	if len(unread) > 0 {
		read, err := n.cfg.Store.ReadStreams(ctx, &eventstore.ReadStreamsParams{StreamIDs: unread})
		if err != nil {
			return nil, err
		}
		for _, r := range read {
			records[r.StreamID] = append(records[r.StreamID], r)
		}
	}
	out := make([]*publication, 0, 2*len(plans))
	for _, p := range plans {
		notes, err := n.notes(p, records[p.stream])
		if err != nil {
			return nil, err
		}
		msgs, err := n.messages(p, notes)
		if err != nil {
			return nil, err
		}
		out = append(out, chained(p, msgs)...)
	}
	return out, nil
}

// chained makes a change's publications: one chain per kind of subject
// (the agents', the integration side's), each in the change's order. A
// kind the change has no message for gets an empty publication, so that
// its chain has no gap a later change could slip through.
func chained(p *plan, byKind [2][]*nats.Msg) []*publication {
	out := make([]*publication, 0, len(byKind[0])+len(byKind[1])+2)
	for k, kind := range [2]string{kindUsers, kindIntegration} {
		pub := publication{chain: p.stream + " " + kind, first: p.first().Version, version: p.last().Version}
		if len(byKind[k]) == 0 {
			pub.final = true
			out = append(out, &pub)
		}
		for i, m := range byKind[k] {
			q := pub
			q.msg, q.index, q.final = m, i, i == len(byKind[k])-1
			out = append(out, &q)
		}
	}
	return out
}

// statesBefore returns each session the changes touch as it was just
// before its first change in the batch: from the cache when it holds that
// version, with the user data its view keeps when the changes need it;
// otherwise folded from the streams, all read in one query. The records it
// read of the streams in keep are returned too.
func (n *Notifier) statesBefore(ctx context.Context, batch [][]eventstore.RecordedEvent, views map[string]*eventstore.StreamView, keep map[string]bool) (map[string]*folding, map[string][]eventstore.RecordedEvent, error) {
	first := map[string]int64{}
	states := map[string]*folding{}
	kept := map[string][]eventstore.RecordedEvent{}
	need := needUserData(batch)
	var missing, userData []string
	for _, change := range batch {
		id := change[0].StreamID
		if _, seen := first[id]; seen {
			continue
		}
		if _, isSession := sessionlog.SessionID(id); !isSession {
			continue
		}
		first[id] = change[0].Version
		if change[0].Version == 1 {
			states[id] = &folding{} // a new session: nothing before
			continue
		}
		if c, ok := n.sessions.Peek(id); ok && c.version == change[0].Version-1 {
			states[id] = &folding{state: c.state, userDataElided: c.hasUserData}
			if c.hasUserData && need[id] {
				userData = append(userData, id)
			}
			continue
		}
		states[id] = &folding{}
		missing = append(missing, id)
	}
	for _, id := range withUserData(userData, views, first, states) {
		states[id] = &folding{}
		missing = append(missing, id)
	}
	if len(missing) == 0 {
		return states, kept, nil
	}
	records, err := n.cfg.Store.ReadStreams(ctx, &eventstore.ReadStreamsParams{StreamIDs: missing})
	if err != nil {
		return nil, nil, err
	}
	for i := range records {
		r := &records[i]
		if keep[r.StreamID] {
			kept[r.StreamID] = append(kept[r.StreamID], *r)
		}
		if r.Version >= first[r.StreamID] {
			continue
		}
		s := &states[r.StreamID].state
		if *s, err = sessionlog.EvolveRecord(*s, r); err != nil {
			return nil, nil, err
		}
	}
	return states, kept, nil
}
