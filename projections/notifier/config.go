package notifier

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/eventstore"
)

// StreamsReader is what a notifier needs of the store: the streams of
// sessions it has not followed, and the user data their views keep.
type StreamsReader interface {
	ReadStreams(ctx context.Context, p *eventstore.ReadStreamsParams) ([]eventstore.RecordedEvent, error)
	ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error)
	ReadViews(ctx context.Context, p *eventstore.ReadViewsParams) ([]eventstore.StreamView, error)
}

// Config configures a Notifier.
type Config struct {
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
	// Stream is the JetStream stream capturing the agents' and the
	// integration side's subjects; created or updated on first use (a
	// stream capturing the agents' subjects only is updated in place).
	// Default "FBSESSION_NOTIFICATIONS". SkipStream
	// publishes without managing a stream.
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
	// CatchUpMessages and CatchUpBytes bound the transcript an Accept's
	// NewMessages shows the agent: its last messages, at most this many
	// and this many bytes encoded (always the last one). Past them the
	// notification carries transcriptUri for the rest, so that a handover
	// of a long session does not publish it whole again on two subjects.
	// Defaults 50 and 64 KiB.
	CatchUpMessages, CatchUpBytes int
	// MaxBytes bounds the stream's storage: past it, JetStream drops the
	// oldest notifications. Default 1 GiB.
	MaxBytes int64
	// Metrics, when set, count the messages published and the publishes
	// that failed.
	Metrics *Metrics
	// Durable, when set, makes the notifier publish a page only once its
	// changes are durable (eventstore.Durability): with synchronous
	// replication, on the standbys, so that no failover loses a change
	// already notified. It costs a barrier (a commit) per page, and delays
	// each notification by it. Off (nil) by default.
	Durable eventstore.Durability
	// Logger reports a notification dropped as the duplicate of a stored
	// message that differs, and the changes a failover lost. Default
	// slog.Default().
	Logger *slog.Logger
	// Log, when set with JetStream, is read each time the notifier's
	// runner takes its lease, before anything is published: the stream's
	// messages stored since the checkpoint's change are looked up in it,
	// and the changes it lacks (lost in a failover) are logged, counted and
	// corrected (rewind.go). Nil checks nothing.
	Log LogReader
	// ClockSkew is how much earlier than the checkpoint's change was
	// recorded that check starts reading the stream: it must cover how
	// far the clocks of fbsessiond's hosts and of the NATS servers may
	// differ. Default 30s.
	ClockSkew time.Duration
	// CheckMessages bounds the messages that check reads: the stream's
	// last ones. Default 100,000.
	CheckMessages int
	// CheckTimeout bounds one check. Default 1 minute.
	CheckTimeout time.Duration
	// CheckPatience is how long a check that keeps failing holds
	// publishing back (each failure stops the runner, which tries again);
	// past it, the notifier publishes unchecked, logging an error, and
	// checks from the same point at its next lease. Default 2 minutes.
	CheckPatience time.Duration
}

// Defaults of Config.
const (
	DefaultCachedSessions  = 2_000
	DefaultCatchUpMessages = 50
	DefaultCatchUpBytes    = 64 << 10
	DefaultMaxBytes        = 1 << 30
)

func (c *Config) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = "gws.v2"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
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
	if c.CatchUpMessages <= 0 {
		c.CatchUpMessages = DefaultCatchUpMessages
	}
	if c.CatchUpBytes <= 0 {
		c.CatchUpBytes = DefaultCatchUpBytes
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.ClockSkew <= 0 {
		c.ClockSkew = 30 * time.Second
	}
	if c.CheckMessages <= 0 {
		c.CheckMessages = 100_000
	}
	if c.CheckTimeout <= 0 {
		c.CheckTimeout = time.Minute
	}
	if c.CheckPatience <= 0 {
		c.CheckPatience = 2 * time.Minute
	}
}
