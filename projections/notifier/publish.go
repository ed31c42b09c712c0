package notifier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

var (
	errNoAck     = errors.New("no ack in time")
	errPrevLost  = errors.New("the session's message before it was not stored")
	errAbandoned = errors.New("its page was abandoned")
)

// publisher hands a page's messages to JetStream, each session's in order
// (see sessionOrder), and tells when they are all acknowledged.
type publisher struct {
	js         jetstream.JetStream
	ackTimeout time.Duration
	metrics    *Metrics
	order      *sessionOrder
	log        *slog.Logger
}

func newPublisher(cfg *Config) *publisher {
	return &publisher{js: cfg.JetStream, ackTimeout: cfg.AckTimeout, metrics: cfg.Metrics, order: newSessionOrder(), log: cfg.Logger}
}

// publish publishes a page's messages asynchronously, a held one once the
// session's message before it is stored; the channel tells when JetStream
// has acknowledged them all, or which one it did not.
func (pr *publisher) publish(ctx context.Context, pubs []*publication) (<-chan error, error) {
	abandoned := pr.order.register(pubs)
	for i, p := range pubs {
		if p.held() {
			go pr.settle(ctx, p, pr.publishAfterPrev(ctx, p, abandoned))
			continue
		}
		if p.msg == nil {
			pr.settle(ctx, p, func() error { return nil })
			continue
		}
		f, err := pr.js.PublishMsgAsync(p.msg)
		if err != nil {
			// The rest of the page is never published: every message is
			// settled, so that none registered later waits forever.
			for _, q := range pubs[i:] {
				pr.settle(ctx, q, func() error { return err })
			}
			return nil, fmt.Errorf("publish %s: %w", p.id(), err)
		}
		// Each message is settled as soon as its ack comes, not in page
		// order: a failed message holds back only its own session.
		go pr.settle(ctx, p, func() error { return pr.acked(ctx, f, p) })
	}
	done := make(chan error, 1)
	go func() { done <- pr.acknowledged(ctx, pubs) }()
	return done, nil
}

// abandon forgets the messages in flight: the runner publishes them again
// from its checkpoint.
func (pr *publisher) abandon() { pr.order.abandon() }

// acknowledged waits until the page's messages are settled; the page is
// retried whole from the first that was not stored.
func (pr *publisher) acknowledged(ctx context.Context, pubs []*publication) error {
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
func (pr *publisher) settle(ctx context.Context, p *publication, publish func() error) {
	err := publish()
	if err != nil && ctx.Err() == nil && p.msg != nil {
		pr.metrics.notifyFailed(1)
	}
	pr.order.settle(p, err)
}

// publishAfterPrev returns the publication of a held message: it waits for
// the session's message before it and publishes only if that one is
// stored. A change with nothing to publish just follows its outcome.
func (pr *publisher) publishAfterPrev(ctx context.Context, p *publication, abandoned <-chan struct{}) func() error {
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
		f, err := pr.js.PublishMsgAsync(p.msg)
		if err != nil {
			return err
		}
		return pr.acked(ctx, f, p)
	}
}

// acked waits up to AckTimeout for JetStream to acknowledge a message.
// A duplicate (a re-publish) is checked against the message stored under
// its id (see duplicate).
func (pr *publisher) acked(ctx context.Context, f jetstream.PubAckFuture, p *publication) error {
	timeout := time.NewTimer(pr.ackTimeout)
	defer timeout.Stop()
	select {
	case ack := <-f.Ok():
		if !ack.Duplicate {
			pr.metrics.notified(1)
			return nil
		}
		pr.duplicate(ctx, ack, p)
		return nil
	case err := <-f.Err():
		return err
	case <-timeout.C:
		return errNoAck
	case <-ctx.Done():
		return ctx.Err()
	}
}

// duplicate counts a message JetStream dropped as a duplicate, and reads
// the message it stored under that id: a subject or body that differs
// means a notification that was never stored (a fake published first
// under a guessed id, or another encoding of the change), which is logged
// and counted. The read costs a request to JetStream, for duplicates only.
func (pr *publisher) duplicate(ctx context.Context, ack *jetstream.PubAck, p *publication) {
	pr.metrics.duplicated()
	differs, err := pr.storedDiffers(ctx, ack, p)
	switch {
	case err != nil:
		pr.log.Warn("notification dropped as a duplicate; the stored message could not be read to compare",
			"msg_id", p.id(), "stream", ack.Stream, "seq", ack.Sequence, "error", err)
	case differs:
		pr.metrics.duplicateDiffers()
		pr.log.Error("notification dropped as a duplicate of a stored message that differs: the change was never notified",
			"msg_id", p.id(), "subject", p.msg.Subject, "stream", ack.Stream, "seq", ack.Sequence)
	}
}

// storedDiffers tells whether the message JetStream stored at ack's
// sequence differs from p's in subject or body.
func (pr *publisher) storedDiffers(ctx context.Context, ack *jetstream.PubAck, p *publication) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, pr.ackTimeout)
	defer cancel()
	stream, err := pr.js.Stream(ctx, ack.Stream)
	if err != nil {
		return false, err
	}
	stored, err := stream.GetMsg(ctx, ack.Sequence)
	if err != nil {
		return false, err
	}
	return stored.Subject != p.msg.Subject || !bytes.Equal(stored.Data, p.msg.Data), nil
}
