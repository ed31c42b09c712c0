package notifier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/sessionlog"
)

// A session whose notified changes a failover lost gets a corrective
// StatusChange of its state as the log has it now ("resync": true), or
// of its absence ("lost": true) when the log no longer has it: to every
// agent its lost changes went to or named, and to its agent now, then the
// same again on its integration subject, as a change's notes are. An
// agent the session is not with now sees it Completed, without
// capabilities, as the agent who handed a session on does.

// resyncState is a session as the log has it now.
type resyncState struct {
	sessionID string
	state     fb.State
	// head is the stream's last event; nil when the log has no event of
	// the session.
	head *eventstore.RecordedEvent
}

// readSession folds a session's stream, a page at a time.
func readSession(ctx context.Context, log LogReader, stream string) (*resyncState, error) {
	sessionID, _ := sessionlog.SessionID(stream)
	out := &resyncState{sessionID: sessionID}
	const page = 1000
	for from := int64(1); ; {
		events, err := log.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: stream, FromVersion: from, Limit: page})
		if errors.Is(err, eventstore.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", stream, err)
		}
		for i := range events {
			if out.state, err = sessionlog.EvolveRecord(out.state, &events[i]); err != nil {
				return nil, err
			}
		}
		if len(events) > 0 {
			out.head = &events[len(events)-1]
			from = out.head.Version + 1
		}
		if len(events) < page {
			break
		}
	}
	if out.head == nil {
		out.state = fb.State{ID: sessionID, Status: fb.StatusCompleted}
	}
	return out, nil
}

// resyncMessages are the corrective messages of a session's lost changes,
// all of its stream, in the order they were stored.
func (e envelope) resyncMessages(s *resyncState, lost []LostChange, baseURL string) ([]*nats.Msg, error) {
	stream := sessionlog.StreamID(s.sessionID)
	from, to, lastTag := lost[0].Version, lost[0].Version, lost[0].Change
	var agents []string
	for _, l := range lost {
		from = min(from, l.Version)
		if l.Version >= to {
			to, lastTag = l.Version, l.Change
		}
		for _, a := range l.Agents {
			if !slices.Contains(agents, a) {
				agents = append(agents, a)
			}
		}
	}
	now := current(s.state)
	if s.head != nil && now != "" && !slices.Contains(agents, now) {
		agents = append(agents, now)
	}
	slices.Sort(agents)
	bodyFor := func(agent string) ([]byte, error) {
		st := s.state
		if agent != now {
			st.Status = fb.StatusCompleted
		}
		n := gws.StatusChange(0, gws.ResourceOf(st, baseURL))
		n.Resync, n.Lost = true, s.head == nil
		return gws.EncodeNotification(n)
	}
	type copyOf struct {
		agent string
		body  []byte
	}
	var copies []copyOf
	for _, a := range agents {
		body, err := bodyFor(a)
		if err != nil {
			return nil, err
		}
		copies = append(copies, copyOf{a, body})
	}
	if len(copies) == 0 {
		// Nobody's: the integration side alone.
		body, err := bodyFor(now)
		if err != nil {
			return nil, err
		}
		copies = append(copies, copyOf{"", body})
	}
	var headVersion, position int64
	headTag := ""
	if s.head != nil {
		headVersion, position, headTag = s.head.Version, s.head.Position, changeTag(s.head)
	}
	resync := stream + ":" + strconv.FormatInt(from, 10) + "-" + strconv.FormatInt(to, 10)
	var out []*nats.Msg
	add := func(kind, subject string, c copyOf) {
		index := len(out)
		msg := nats.NewMsg(subject)
		msg.Data = c.body
		// Never a lost change's id: "resync" and both changes' tags, so a
		// second search that finds the same changes lost publishes the
		// same ids.
		id := stream + ":" + strconv.FormatInt(headVersion, 10) + ":resync:" + strconv.Itoa(index) + ":" + kind + "/" + headTag + "-" + lastTag
		msg.Header.Set(jetstream.MsgIDHeader, e.keyed(id))
		msg.Header.Set(HeaderPosition, strconv.FormatInt(position, 10))
		msg.Header.Set(HeaderIndex, strconv.Itoa(index))
		msg.Header.Set(HeaderResync, resync)
		if s.head != nil {
			msg.Header.Set(HeaderChange, changeName(s.head))
		}
		if c.agent != "" {
			msg.Header.Set(HeaderAgent, c.agent)
		}
		out = append(out, msg)
	}
	for _, c := range copies {
		if c.agent != "" {
			add(gws.KindUsers, e.subjects.User(c.agent, s.sessionID), c)
		}
	}
	for _, c := range copies {
		add(gws.KindIntegration, e.subjects.Integration(s.sessionID), c)
	}
	return out, nil
}
