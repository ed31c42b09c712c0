package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/sessionlog"
)

// routingLog is what a routing run left in the log, replayed in the
// log's order: the offers with their decisions, and each agent's load.
type routingLog struct {
	sessions int
	// offers are each session's SessionRouted count; completed, whether
	// it has its InteractionCompleted.
	offers    map[string]int
	completed map[string]bool
	timedOut  int
	// queued are the SessionRouted's recorded times less their place
	// (WaitingSince), appended their recorded times less DecidedAt.
	queued, appended []time.Duration
	// refilled are, for each place a full agent freed while sessions
	// waited, the time until that agent's next offer: how soon the router
	// fills a place when places are what sessions wait for.
	refilled []time.Duration
	// first is the first intake's recorded time, lastOffer the last
	// offer's.
	first, lastOffer      time.Time
	maxLoad, overCapacity int
}

// The session events that give or take an agent's place, besides the
// start and the offer.
var freeing = []string{fb.TypeInteractionCompleted, fb.TypeOfferRejected, fb.TypeOfferTimedOut,
	fb.TypeSessionWithdrawn, fb.TypeAgentLeft, fb.TypeTransferredToQueue, fb.TypeQueuedTo}

// readRoutingLog replays the sessions' routing events, in the order of
// their positions: an event whose transaction began after another's
// commit has a later position, so an offer the router made after seeing
// a Complete comes after it. Every agent has the given capacity.
func readRoutingLog(ctx context.Context, dbURL string, capacity int) (*routingLog, error) {
	conn, err := connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	types := append([]string{fb.TypeSessionStarted, fb.TypeSessionRouted}, freeing...)
	rows, err := conn.Query(ctx, `SELECT stream_id, event_type, schema_version,
		CASE WHEN event_type = 'SessionRouted' THEN data::text END, recorded_at
		FROM events WHERE event_type = ANY($1) ORDER BY position`, types)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	lg := &routingLog{offers: map[string]int{}, completed: map[string]bool{}}
	holder, load := map[string]string{}, map[string]int{}
	// waiting counts the sessions queued and not offered, in the log's
	// order; freed are, by agent, the places they freed when full while
	// some waited.
	waiting, freed := 0, map[string][]time.Time{}
	for rows.Next() {
		var (
			stream, typ string
			version     int
			data        *string
			at          time.Time
		)
		if err := rows.Scan(&stream, &typ, &version, &data, &at); err != nil {
			return nil, err
		}
		id, ok := sessionlog.SessionID(stream)
		if !ok {
			continue
		}
		if a := holder[id]; a != "" && slices.Contains(freeing, typ) {
			full := load[a] >= capacity
			load[a]--
			holder[id] = ""
			if typ != fb.TypeInteractionCompleted {
				waiting++ // back in the queue
			}
			if full && waiting > 0 {
				freed[a] = append(freed[a], at)
			}
		}
		switch typ {
		case fb.TypeSessionStarted:
			waiting++
			lg.sessions++
			lg.offers[id] = 0
			if lg.first.IsZero() || at.Before(lg.first) {
				lg.first = at
			}
		case fb.TypeSessionRouted:
			e, err := sessionlog.Decode(typ, version, []byte(deref(data)))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", stream, err)
			}
			routed, ok := e.(fb.SessionRouted)
			if !ok || routed.Decision == nil {
				return nil, fmt.Errorf("%s: a SessionRouted without the router's decision", stream)
			}
			lg.offers[id]++
			waiting--
			if f := freed[routed.AgentID]; len(f) > 0 {
				lg.refilled = append(lg.refilled, at.Sub(f[0]))
				freed[routed.AgentID] = f[1:]
			}
			// A session offered while it still held a place (never, as the
			// aggregate refuses it) keeps that place in the count.
			holder[id] = routed.AgentID
			load[routed.AgentID]++
			lg.maxLoad = max(lg.maxLoad, load[routed.AgentID])
			if load[routed.AgentID] > capacity {
				lg.overCapacity++
			}
			lg.queued = append(lg.queued, at.Sub(routed.Decision.WaitingSince))
			lg.appended = append(lg.appended, at.Sub(routed.Decision.DecidedAt))
			lg.lastOffer = at
		case fb.TypeInteractionCompleted:
			lg.completed[id] = true
		case fb.TypeOfferTimedOut:
			lg.timedOut++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(lg.queued)
	slices.Sort(lg.appended)
	slices.Sort(lg.refilled)
	return lg, nil
}

// fill puts the log's figures and checks into r.
func (lg *routingLog) fill(r *RoutingResult) {
	r.SessionsInLog = lg.sessions
	for id, n := range lg.offers {
		r.Offers += n
		switch {
		case n == 0:
			r.NotOffered++
		case n > 1:
			r.OfferedTwice++
		}
		if !lg.completed[id] {
			r.NotCompleted++
		}
	}
	if span := lg.lastOffer.Sub(lg.first); span > 0 {
		r.OffersPerSec = float64(r.Offers) / span.Seconds()
	}
	r.QueuedP50ms, r.QueuedP95ms, r.QueuedP99ms, r.QueuedMaxMs = pct(lg.queued, .5), pct(lg.queued, .95), pct(lg.queued, .99), pct(lg.queued, 1)
	r.AppendP50ms, r.AppendP99ms = pct(lg.appended, .5), pct(lg.appended, .99)
	r.Refills = len(lg.refilled)
	r.RefillP50ms, r.RefillP99ms = pct(lg.refilled, .5), pct(lg.refilled, .99)
	r.TimedOut, r.MaxLoad, r.OverCapacity = lg.timedOut, lg.maxLoad, lg.overCapacity
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
