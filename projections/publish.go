package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/eventstore"
)

var (
	errNoAck     = errors.New("no ack in time")
	errPrevLost  = errors.New("the session's message before it was not stored")
	errAbandoned = errors.New("its page was abandoned")
)

// Start implements Pipeliner: it publishes the page's messages
// asynchronously, but a message whose session has an earlier message not
// yet acknowledged only once that one is (see sessionOrder); the channel
// tells when JetStream has acknowledged them all, or which one it did not.
func (n *Notifier) Start(ctx context.Context, events []eventstore.RecordedEvent) (<-chan error, error) {
	if n.cfg.JetStream == nil {
		return nil, errors.New("projections: this notifier has no JetStream to publish with")
	}
	if err := n.EnsureStream(ctx); err != nil {
		return nil, err
	}
	pubs, err := n.publications(ctx, events)
	if err != nil {
		return nil, err
	}
	abandoned := n.order.register(pubs)
	for i, p := range pubs {
		if p.held() {
			go n.settle(ctx, p, n.publishAfterPrev(ctx, p, abandoned))
			continue
		}
		if p.msg == nil {
			n.settle(ctx, p, func() error { return nil })
			continue
		}
		f, err := n.cfg.JetStream.PublishMsgAsync(p.msg)
		if err != nil {
			// The rest of the page is never published: every message is
			// settled, so that none registered later waits forever.
			for _, q := range pubs[i:] {
				n.settle(ctx, q, func() error { return err })
			}
			return nil, fmt.Errorf("publish %s: %w", p.id(), err)
		}
		// Each message is settled as soon as its ack comes, not in page
		// order: a failed message holds back only its own session.
		go n.settle(ctx, p, func() error { return n.acked(ctx, p, f) })
	}
	done := make(chan error, 1)
	go func() { done <- n.acknowledged(ctx, pubs) }()
	return done, nil
}

// Abandon implements Abandoner: the runner publishes the changes in flight
// again, from its checkpoint.
func (n *Notifier) Abandon() { n.order.abandon() }

// acknowledged waits until the page's messages are settled; the page is
// retried whole from the first that was not stored.
func (n *Notifier) acknowledged(ctx context.Context, pubs []*publication) error {
	for _, p := range pubs {
		select {
		case <-p.settled:
			if p.err != nil {
				return fmt.Errorf("publish %s: %w", p.id(), p.err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// settle runs a message's publication and records its outcome. Every
// message not stored counts as a failure, again at each retry of its page;
// a cancelled context (shutdown) counts none.
func (n *Notifier) settle(ctx context.Context, p *publication, publish func() error) {
	err := publish()
	if err != nil && ctx.Err() == nil && p.msg != nil {
		n.cfg.Metrics.notifyFailed(1)
	}
	n.order.settle(p, err)
}

// publishAfterPrev returns the publication of a held message: it waits for
// the session's message before it and publishes only if that one is
// stored. A change with nothing to publish just follows its outcome.
func (n *Notifier) publishAfterPrev(ctx context.Context, p *publication, abandoned <-chan struct{}) func() error {
	return func() error {
		select {
		case <-p.prev.settled:
		case <-abandoned:
			return errAbandoned
		case <-ctx.Done():
			return ctx.Err()
		}
		if p.prev.err != nil {
			return errPrevLost
		}
		if p.msg == nil {
			return nil
		}
		f, err := n.cfg.JetStream.PublishMsgAsync(p.msg)
		if err != nil {
			return err
		}
		return n.acked(ctx, p, f)
	}
}

// acked waits up to AckTimeout for JetStream to acknowledge a message.
func (n *Notifier) acked(ctx context.Context, p *publication, f jetstream.PubAckFuture) error {
	timeout := time.NewTimer(n.cfg.AckTimeout)
	defer timeout.Stop()
	select {
	case ack := <-f.Ok():
		if !ack.Duplicate {
			n.cfg.Metrics.notified(1)
		}
		return nil
	case err := <-f.Err():
		return err
	case <-timeout.C:
		return errNoAck
	case <-ctx.Done():
		return ctx.Err()
	}
}
