package notifier

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/eventstore"
)

// Notifier is the projector that publishes the notifications of each
// committed change of a session (one append, whatever its events): to the
// agents it concerns on their subjects, and all of them, with the agents'
// typing indicators, to the integration side on the session's integration
// subject (see notes.go for which, per event). A planner makes a page's
// messages; a publisher hands them to JetStream in each session's order.
type Notifier struct {
	planner   *planner
	publisher *publisher
	stream    *stream
	durable   eventstore.Durability
	rewind    *rewind
}

// New returns a notifier.
func New(cfg Config) (*Notifier, error) {
	cfg.setDefaults()
	if cfg.Store == nil {
		return nil, errors.New("notifier: a notifier needs a store")
	}
	cfg.Metrics.keyed(cfg.MsgIDKey != nil)
	pl := newPlanner(&cfg)
	return &Notifier{
		planner:   pl,
		publisher: newPublisher(&cfg),
		stream:    newStream(&cfg),
		durable:   cfg.Durable,
		rewind:    newRewind(&cfg, pl),
	}, nil
}

// StreamConfig is the JetStream stream the notifier keeps.
func (n *Notifier) StreamConfig() jetstream.StreamConfig { return n.stream.config() }

// EnsureStream creates or updates the stream.
func (n *Notifier) EnsureStream(ctx context.Context) error { return n.stream.ensure(ctx) }

// Project implements projections.Projector: it publishes the page's
// changes and returns once JetStream has acknowledged them all.
func (n *Notifier) Project(ctx context.Context, events []eventstore.RecordedEvent) error {
	done, err := n.Start(ctx, events)
	if err != nil {
		return err
	}
	return <-done
}

// Start implements projections.Pipeliner: it publishes the page's messages
// asynchronously, but a message whose session has an earlier message not
// yet acknowledged only once that one is (see sessionOrder); the channel
// tells when JetStream has acknowledged them all, or which one it did not.
func (n *Notifier) Start(ctx context.Context, events []eventstore.RecordedEvent) (<-chan error, error) {
	if n.publisher.js == nil {
		return nil, errors.New("notifier: this notifier has no JetStream to publish with")
	}
	if err := n.EnsureStream(ctx); err != nil {
		return nil, err
	}
	if n.durable != nil {
		// The page was read before: its changes are below the barrier.
		if err := n.durable.Durable(ctx); err != nil {
			return nil, err
		}
	}
	pubs, err := n.planner.publications(ctx, events)
	if err != nil {
		return nil, err
	}
	return n.publisher.publish(ctx, pubs)
}

// Abandon implements projections.Abandoner: the runner publishes the
// changes in flight again, from its checkpoint.
func (n *Notifier) Abandon() { n.publisher.abandon() }

// Messages builds the notifications of a page of events in feed order,
// every message of each change (its agents' and the integration side's),
// without publishing them: Start publishes them, a replay sends them
// elsewhere.
func (n *Notifier) Messages(ctx context.Context, events []eventstore.RecordedEvent) ([]*nats.Msg, error) {
	pubs, err := n.planner.publications(ctx, events)
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
