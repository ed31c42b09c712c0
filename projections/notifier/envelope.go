package notifier

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
)

// The headers of every notification besides Nats-Msg-Id (docs/NATS.md).
const (
	// HeaderPosition is the change's global position in the log.
	HeaderPosition = "Fbsession-Position"
	// HeaderIndex is the message's place among its change's messages,
	// from 0: with the position, it orders a session's messages.
	HeaderIndex = "Fbsession-Index"
	// HeaderAgent is the agent the notification concerns: the subject's
	// on an agent's subject; on the integration subject, the agent whose
	// copy it is (the old agent's Completed and the new agent's Invited
	// after a transfer), or who typed. Absent while the session waits for
	// routing.
	HeaderAgent = "Fbsession-Agent"
	// HeaderEvents names the change's event types, comma-separated, in
	// order ("SessionEnded,InteractionCompleted"): a StatusChange
	// Completed is a Reject, a Leave, a Transfer to a queue or a Complete.
	HeaderEvents = "Fbsession-Events"
	// HeaderChange names the change a message notifies,
	// "<streamId>:<version>/<change>" (the message id's parts, unkeyed):
	// what a check of the stream against the log compares (lost.go).
	HeaderChange = "Fbsession-Change"
	// HeaderResync marks a corrective notification (resync.go) and names
	// the lost changes it corrects, "<streamId>:<from>-<to>" (versions).
	HeaderResync = "Fbsession-Resync"
)

// envelope wraps a change's notes in messages: their subjects, ids and
// headers.
type envelope struct {
	subjects gws.Subjects
	msgIDKey []byte
}

// messages are a change's messages by kind of subject (gws.KindUsers, then
// gws.KindIntegration): the agents' notes on their subjects, and every note,
// typing indicators included, on the integration subject, each body
// encoded once for both. Their index runs across both kinds, agents'
// first.
func (e envelope) messages(p *plan, notes []note) ([2][]*nats.Msg, error) {
	var byKind [2][]*nats.Msg
	if len(notes) == 0 {
		return byKind, nil
	}
	bodies := make([][]byte, len(notes))
	for i, nt := range notes {
		var err error
		if bodies[i], err = gws.EncodeNotification(nt.body); err != nil {
			return byKind, err
		}
	}
	types := make([]string, len(p.change))
	for i := range p.change {
		types[i] = p.change[i].Type
	}
	events := strings.Join(types, ",")
	change := changeName(p.last())
	index := 0
	add := func(k int, kind, subject string, nt note, body []byte) {
		msg := nats.NewMsg(subject)
		msg.Data = body
		// Stable for the change and the message's place in it: a
		// re-publish after a crash is a duplicate.
		msg.Header.Set(jetstream.MsgIDHeader, e.msgID(p.last(), index, kind))
		msg.Header.Set(HeaderPosition, strconv.FormatInt(p.last().Position, 10))
		msg.Header.Set(HeaderIndex, strconv.Itoa(index))
		msg.Header.Set(HeaderEvents, events)
		msg.Header.Set(HeaderChange, change)
		if nt.agent != "" {
			msg.Header.Set(HeaderAgent, nt.agent)
		}
		byKind[k] = append(byKind[k], msg)
		index++
	}
	for i, nt := range notes {
		if nt.agent != "" && !nt.integrationOnly {
			add(0, gws.KindUsers, e.subjects.User(nt.agent, p.sessionID), nt, bodies[i])
		}
	}
	for i, nt := range notes {
		add(1, gws.KindIntegration, e.subjects.Integration(p.sessionID), nt, bodies[i])
	}
	return byKind, nil
}

// msgID is a message's Nats-Msg-Id: the change's first message's is
// "<stream>:<version>/<change>", the others' "<stream>:<version>:<index>:<kind>/<change>",
// where <change> is drawn from the change's last event itself (its chained
// hash, which covers its content and everything before it in its stream;
// its id where it has none). A re-publish of the change (after a crash, a
// retried page) is a duplicate; another change at the same version (one
// written after a failover lost the first) never is. Keyed when a key is
// configured (see Config.MsgIDKey).
func (e envelope) msgID(last *eventstore.RecordedEvent, index int, kind string) string {
	id := last.StreamID + ":" + strconv.FormatInt(last.Version, 10)
	if index > 0 {
		id += ":" + strconv.Itoa(index) + ":" + kind
	}
	id += "/" + changeTag(last)
	return e.keyed(id)
}

// keyed is the Nats-Msg-Id of a message named id: id itself, or its HMAC
// when a key is configured.
func (e envelope) keyed(id string) string {
	if len(e.msgIDKey) == 0 {
		return id
	}
	m := hmac.New(sha256.New, e.msgIDKey)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// changeName is a change's HeaderChange.
func changeName(last *eventstore.RecordedEvent) string {
	return last.StreamID + ":" + strconv.FormatInt(last.Version, 10) + "/" + changeTag(last)
}

// changeTag tells a change from any other at its stream and version: 64
// bits of its last event's hash, or its id.
func changeTag(last *eventstore.RecordedEvent) string {
	if len(last.Hash) >= 8 {
		return hex.EncodeToString(last.Hash[:8])
	}
	return hex.EncodeToString(last.ID[:])
}
