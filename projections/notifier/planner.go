package notifier

import (
	"context"

	"github.com/nats-io/nats.go"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
)

// planner makes a page's messages: it splits the page into changes, gets
// their sessions' states, tells the notes each change makes and wraps them
// in messages.
type planner struct {
	store                         StreamsReader
	states                        *sessionStates
	envelope                      envelope
	baseURL                       string
	catchUpMessages, catchUpBytes int
}

func newPlanner(cfg *Config) *planner {
	return &planner{
		store:           cfg.Store,
		states:          newSessionStates(cfg),
		envelope:        envelope{subjects: gws.NewSubjects(cfg.Prefix), msgIDKey: cfg.MsgIDKey},
		baseURL:         cfg.BaseURL,
		catchUpMessages: cfg.CatchUpMessages,
		catchUpBytes:    cfg.CatchUpBytes,
	}
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

// publications builds the messages of a page, each with its session and
// place among the session's messages, which the publisher needs to keep
// them in order. A session's change with nothing to publish is a
// publication without a message, so that the session's chain has no gap.
// The changes of agents' channels go in between, in feed order.
func (pl *planner) publications(ctx context.Context, events []eventstore.RecordedEvent) ([]*publication, error) {
	plans, others, records, err := pl.plans(ctx, changes(events))
	if err != nil {
		return nil, err
	}
	out := make([]*publication, 0, 2*len(plans))
	for _, p := range plans {
		for len(others) > 0 && others[0][0].Position < p.first().Position {
			if out, err = pl.appendAgents(out, others[0]); err != nil {
				return nil, err
			}
			others = others[1:]
		}
		notes, err := pl.notes(p, records[p.stream])
		if err != nil {
			return nil, err
		}
		msgs, err := pl.envelope.messages(p, notes)
		if err != nil {
			return nil, err
		}
		out = append(out, chained(p, msgs)...)
	}
	for _, change := range others {
		if out, err = pl.appendAgents(out, change); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// appendAgents appends the publications of a change that is not a
// session's: an agent's channels', or none.
func (pl *planner) appendAgents(out []*publication, change []eventstore.RecordedEvent) ([]*publication, error) {
	pubs, err := pl.agentPublications(change)
	return append(out, pubs...), err
}

// plans are the session changes of a batch, each with its session's state
// after it, and others the changes of other streams, in feed order;
// records holds the streams of the sessions whose changes show the
// transcript so far (an Accept).
func (pl *planner) plans(ctx context.Context, batch [][]eventstore.RecordedEvent) (plans []*plan, others [][]eventstore.RecordedEvent, records map[string][]eventstore.RecordedEvent, err error) {
	// The sessions a change of which shows the transcript so far: their
	// records are kept if their streams are read anyway.
	showing := map[string]bool{}
	for _, change := range batch {
		if change[len(change)-1].Type == fb.TypeOfferAccepted {
			showing[change[0].StreamID] = true
		}
	}
	views, err := pl.states.readViews(ctx, batch)
	if err != nil {
		return nil, nil, nil, err
	}
	viewed := viewedChanges(batch, views)
	folded := make([][]eventstore.RecordedEvent, 0, len(batch))
	for i, change := range batch {
		if viewed[i] == nil {
			folded = append(folded, change)
		}
	}
	states, records, err := pl.states.statesBefore(ctx, folded, views, showing)
	if err != nil {
		return nil, nil, nil, err
	}
	plans = make([]*plan, 0, len(batch))
	var unread []string
	upTo := map[string]int64{} // the last Accept of each unread session
	for i, change := range batch {
		var p *plan
		var err error
		if v := viewed[i]; v != nil {
			p, err = pl.planFromView(v, change)
		} else {
			p, err = pl.plan(states, change)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if p == nil {
			others = append(others, change)
			continue
		}
		if p.showsTranscript() && records[p.stream] == nil {
			if _, seen := upTo[p.stream]; !seen {
				unread = append(unread, p.stream)
			}
			upTo[p.stream] = p.last().Version
		}
		plans = append(plans, p)
	}
	for _, stream := range unread {
		if records[stream], err = pl.transcriptTail(ctx, stream, upTo[stream]); err != nil {
			return nil, nil, nil, err
		}
	}
	return plans, others, records, nil
}

// transcriptTail is what an Accept at version needs to show the end of
// the transcript: the session's first event, which names the customer,
// and the events just before it, as many as catch-up messages could be
// among with typing and handovers: a read that does not grow with the
// session.
func (pl *planner) transcriptTail(ctx context.Context, stream string, version int64) ([]eventstore.RecordedEvent, error) {
	from := version - int64(max(catchUpEventsPerMessage*pl.catchUpMessages, minCatchUpEvents)) + 1
	if from <= 2 {
		return pl.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: stream, Limit: int(version)})
	}
	first, err := pl.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: stream, Limit: 1})
	if err != nil {
		return nil, err
	}
	tail, err := pl.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: stream, FromVersion: from, Limit: int(version - from + 1)})
	return append(first, tail...), err
}

// An Accept reads catchUpEventsPerMessage events back for each message
// its catch-up shows, and minCatchUpEvents at least: messages further back
// than that are left to transcriptUri.
const (
	catchUpEventsPerMessage = 4
	minCatchUpEvents        = 256
)

// chained makes a change's publications: one chain per kind of subject
// (the agents', the integration side's), each in the change's order. A
// kind the change has no message for gets an empty publication, so that
// its chain has no gap a later change could slip through.
func chained(p *plan, byKind [2][]*nats.Msg) []*publication {
	out := make([]*publication, 0, len(byKind[0])+len(byKind[1])+2)
	for k, kind := range [2]string{gws.KindUsers, gws.KindIntegration} {
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
