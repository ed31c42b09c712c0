package notifier

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/agentlog"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/sessionlog"
)

// An agent's channel changes are notified to the agent alone, on their
// channels subject, one ChannelStateChangeMessageV2 per event. Each event
// carries the channels it changed, so the notifier keeps no state of
// agents and reads nothing for them.

// agentPublications are the publications of a change of an agent's
// channels, chained behind the agent's earlier ones; nil for a change of
// a stream that is not an agent's.
func (pl *planner) agentPublications(change []eventstore.RecordedEvent) ([]*publication, error) {
	last := &change[len(change)-1]
	agentID, ok := agentlog.AgentID(last.StreamID)
	if !ok {
		return nil, nil
	}
	meta, err := sessionlog.DecodeMetadata(last.Metadata)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s v%d: %w", last.StreamID, last.Version, err)
	}
	types := make([]string, len(change))
	for i := range change {
		types[i] = change[i].Type
	}
	pub := publication{chain: last.StreamID + " " + gws.KindUsers, first: change[0].Version, version: last.Version}
	var out []*publication
	for i := range change {
		e, err := agentlog.DecodeRecord(&change[i])
		if errors.Is(err, agentlog.ErrUnknownEvent) {
			continue // a newer binary's event: its notification is its own
		}
		if err != nil {
			return nil, err
		}
		n := gws.ChannelStateChangeOf(meta.ReferenceID, e)
		if len(n.Channels) == 0 {
			continue // no channel's state changed (a capacity set): GWS has nothing to say
		}
		body, err := gws.EncodeNotification(n)
		if err != nil {
			return nil, err
		}
		msg := nats.NewMsg(pl.envelope.subjects.Channels(agentID))
		msg.Data = body
		index := len(out)
		msg.Header.Set(jetstream.MsgIDHeader, pl.envelope.msgID(last, index, gws.KindUsers))
		msg.Header.Set(HeaderPosition, strconv.FormatInt(last.Position, 10))
		msg.Header.Set(HeaderIndex, strconv.Itoa(index))
		msg.Header.Set(HeaderEvents, strings.Join(types, ","))
		msg.Header.Set(HeaderChange, changeName(last))
		msg.Header.Set(HeaderAgent, agentID)
		q := pub
		q.msg, q.index = msg, index
		out = append(out, &q)
	}
	if len(out) == 0 {
		pub.final = true
		return []*publication{&pub}, nil
	}
	out[len(out)-1].final = true
	return out, nil
}
