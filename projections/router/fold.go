package router

import (
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/agentlog"
	as "github.com/fbsession/fbsession/domain/agentstate"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/domain/routing"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queuelog"
	"github.com/fbsession/fbsession/sessionlog"
)

// changesRouting tells the session events that change what the router sees; the
// others (messages, typing, user data) are not even decoded.
func changesRouting(eventType string) bool {
	switch eventType {
	case fb.TypeSessionStarted, fb.TypeInteractionCompleted, fb.TypeQueuedTo,
		fb.TypeOfferAccepted, fb.TypeOfferRejected, fb.TypeOfferTimedOut,
		fb.TypeTransferredToAgent, fb.TypeTransferredToQueue, fb.TypeAgentLeft,
		fb.TypeSessionRouted, fb.TypeSessionWithdrawn:
		return true
	}
	return false
}

// apply folds one event of the log into the picture. An event it cannot
// read is skipped: a newer binary's, which an older router cannot route.
func (p *picture) apply(rec *eventstore.RecordedEvent) error {
	b := p.board
	if id, ok := sessionlog.SessionID(rec.StreamID); ok {
		if !changesRouting(rec.Type) {
			return nil
		}
		var (
			e   fb.Event
			err error
		)
		if rec.Type == fb.TypeSessionStarted {
			e, err = sessionlog.DecodeStartedBrief(rec.SchemaVersion, rec.Data)
		} else {
			e, err = sessionlog.Decode(rec.Type, rec.SchemaVersion, rec.Data)
		}
		if err != nil {
			return skipUnknown(err, sessionlog.ErrUnknownEvent, rec)
		}
		b.Apply(id, rec.Version, rec.RecordedAt, e)
		return nil
	}
	if id, ok := agentlog.AgentID(rec.StreamID); ok {
		e, err := agentlog.DecodeRecord(rec)
		if err != nil {
			return skipUnknown(err, agentlog.ErrUnknownEvent, rec)
		}
		applyAgent(b, id, rec, e)
		// The whole state, reason codes too, for the supervisors' view;
		// the board keeps only what routing needs.
		p.agents[id] = as.Evolve(p.agents[id], e)
		return nil
	}
	if ok, err := p.applyQueue(rec); ok {
		return skipUnknown(err, queuelog.ErrUnknownEvent, rec)
	}
	return nil
}

func applyAgent(b *routing.Board, id string, rec *eventstore.RecordedEvent, e as.Event) {
	switch e := e.(type) {
	case as.SessionStarted:
		b.AgentEnded(id)
		for _, ch := range e.Channels {
			if ch == as.ChannelFacebookSession {
				b.AgentStarted(id)
			}
		}
	case as.SessionEnded:
		b.AgentEnded(id)
	case as.ChannelReady:
		if e.Channel == as.ChannelFacebookSession {
			b.AgentReady(id, rec.RecordedAt)
		}
	case as.ChannelNotReady:
		if e.Channel == as.ChannelFacebookSession {
			b.AgentNotReady(id)
		}
	case as.ChannelCapacitySet:
		if e.Channel == as.ChannelFacebookSession {
			b.AgentCapacity(id, e.Capacity)
		}
	}
}

func skipUnknown(err, unknown error, rec *eventstore.RecordedEvent) error {
	if err == nil || errors.Is(err, unknown) {
		return nil
	}
	return fmt.Errorf("router: %s v%d: %w", rec.StreamID, rec.Version, err)
}
