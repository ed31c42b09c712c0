package inbox

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/messenger"
	"github.com/fbsession/fbsession/sessionlog"
)

// echo carries out a message_echoes item. An echo with the relay's
// metadata confirms the relay's send: its outcome is recorded from it
// (once: the relay records it with the same key), which matters when a
// crash left the send without one. An echo without is a message typed in
// the Page's inbox (or sent by another app): a message of the thread's
// open session, from the Page, delivered already.
func (x *Inbox) echo(ctx context.Context, page Page, it messenger.Item) (string, error) {
	if id, index, ok := messenger.ParseRelayMetadata(it.Metadata); ok {
		typ, tag, err := x.lastIntent(ctx, id, index)
		if err != nil {
			return "", err
		}
		res, err := x.cfg.Sessions.Operate(ctx, commands.Request{Actor: Actor, IdempotencyKey: messenger.OutcomeKey(index)}, id,
			fb.RelayOutcome{Index: index, MessageID: it.Mid, MessagingType: typ, Tag: tag})
		switch {
		case errors.Is(err, commands.ErrIdempotencyKeyReused), err == nil && res.Replayed:
			return OutcomeDuplicate, nil // the relay recorded it first
		case err == nil:
			return OutcomeConfirmed, nil
		case errors.Is(err, fb.ErrNotFound), errors.Is(err, fb.ErrInvalid), errors.Is(err, fb.ErrInvalidState):
			return x.refused(it, err.Error())
		}
		return "", err
	}
	if strings.TrimSpace(it.Body()) == "" {
		return x.refused(it, "nothing to show: no text and no attachment")
	}
	th, err := x.thread(ctx, page.ID, it.PSID)
	if err != nil || th.SessionID == "" {
		return OutcomeRecorded, err // no conversation to show it in
	}
	res, err := x.cfg.Sessions.Operate(ctx, commands.Request{Actor: Actor, IdempotencyKey: "mid:" + it.Mid}, th.SessionID,
		fb.PageMessage{PageID: page.ID, Mid: it.Mid, Text: it.Body()})
	switch {
	case err == nil && res.Replayed:
		return OutcomeDuplicate, nil
	case err == nil:
		return OutcomeAppended, nil
	case errors.Is(err, fb.ErrInvalidState), errors.Is(err, fb.ErrNotFound), errors.Is(err, fb.ErrInvalid):
		return x.refused(it, err.Error())
	}
	return "", err
}

// receipt records message_reads and message_deliveries on the thread's
// session.
func (x *Inbox) receipt(ctx context.Context, page Page, it messenger.Item) (string, error) {
	if it.Watermark <= 0 {
		return x.refused(it, "a receipt without a watermark")
	}
	th, err := x.thread(ctx, page.ID, it.PSID)
	if err != nil || th.SessionID == "" {
		return OutcomeRecorded, err
	}
	delivered := it.Kind == messenger.KindDelivery
	key := "read:" + strconv.FormatInt(it.Watermark, 10)
	if delivered {
		key = "delivery:" + strconv.FormatInt(it.Watermark, 10)
	}
	res, err := x.cfg.Sessions.Operate(ctx, commands.Request{Actor: Actor, IdempotencyKey: key}, th.SessionID,
		fb.CustomerReceipt{Delivered: delivered, Watermark: time.UnixMilli(it.Watermark).UTC()})
	switch {
	case err == nil && res.Replayed:
		return OutcomeDuplicate, nil
	case err == nil:
		return OutcomeAppended, nil
	case errors.Is(err, fb.ErrInvalidState), errors.Is(err, fb.ErrNotFound), errors.Is(err, fb.ErrInvalid):
		return x.refused(it, err.Error())
	}
	return "", err
}

// lastIntent is the messaging type and tag the relay recorded for its
// last send of message index.
func (x *Inbox) lastIntent(ctx context.Context, id string, index int) (typ, tag string, err error) {
	recs, err := x.cfg.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	for i := range recs {
		if recs[i].Type != fb.TypeMessageSending {
			continue
		}
		e, err := sessionlog.Decode(recs[i].Type, recs[i].SchemaVersion, recs[i].Data)
		if err != nil {
			return "", "", err
		}
		if s := e.(fb.MessageSending); s.Index == index {
			typ, tag = s.MessagingType, s.Tag
		}
	}
	return typ, tag, nil
}
