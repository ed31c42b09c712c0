package ctl_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/domain/routing"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/eventstore/sqlite"
	"github.com/fbsession/fbsession/internal/storetest"
)

// t0 is when the sessions of the explain tests reach the queue.
var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// routedLives gives a store the sessions explain is tested on, through
// the command handler as the router and the API do, on a clock that
// starts at t0:
//   - routed: intake to Sales; the router offers it to a1 (a2 idle less
//     long, a3 NotReady, a4 Full, a hostile LoggedOut id, 2 members not
//     listed); a1 lets it time out; the router offers it to a2, passing
//     over a1 as Declined; a2 accepts.
//   - api: intake to Sales; the integration API's Route offers it to a5,
//     who rejects it.
//   - waiting: intake to Sales; the router offers it to a3, who rejects
//     it: it waits again, in its place.
//   - queued: intake to Sales, no offer yet.
//   - pending: intake to Sales; the router offers it to a4, who has not
//     answered.
//   - direct: intake straight to a1, never queued.
func routedLives(t *testing.T, s commands.Store, clock *storetest.Clock) {
	t.Helper()
	ctx := context.Background()
	h := commands.NewHandler(s, commands.WithClock(clock.Now))
	router := commands.Request{Actor: "router"}
	do := func(r commands.Request, id string, cmd fb.Command) {
		t.Helper()
		_, err := h.Operate(ctx, r, id, cmd)
		require.NoError(t, err, "%s %T", id, cmd)
	}
	intake := func(id, queue, agent string) {
		t.Helper()
		customer := fb.Participant{Nickname: "Vitaliy", Type: fb.ParticipantCustomer, ID: "c1", Visibility: fb.VisibilityAll, ParticipantID: "c1"}
		cmd := fb.Start{SessionID: id, QueueName: queue, AgentID: agent, Participants: []fb.Participant{customer}, UserData: json.RawMessage(`{}`)}
		if agent != "" {
			cmd.Status = fb.StatusChatting
		}
		_, err := h.Start(ctx, router, cmd)
		require.NoError(t, err, id)
	}

	intake("routed", "Sales", "")
	intake("api", "Sales", "")
	intake("waiting", "Sales", "")
	intake("direct", "", "a1")

	clock.Advance(time.Minute) // 09:01:00
	do(router, "routed", fb.Route{AgentID: "a1", Decision: &fb.RoutingDecision{
		Queue: "Sales", Rule: routing.Rule, WaitingSince: t0, DecidedAt: clock.Now(), OfferTimeoutSeconds: 30, Members: 7,
		Candidates: []fb.Candidate{
			{AgentID: "a1", Status: "Ready", Load: 0, Capacity: 2, IdleSince: t0.Add(-10 * time.Minute), Chosen: true},
			{AgentID: "a2", Status: "Ready", Load: 1, Capacity: 2, IdleSince: t0.Add(-5 * time.Minute)},
			{AgentID: "a3", Status: "NotReady", Load: 0, Capacity: 2, IdleSince: t0.Add(-time.Hour), Reason: fb.ReasonNotReady},
			{AgentID: "a4", Status: "Ready", Load: 2, Capacity: 2, IdleSince: t0.Add(-20 * time.Minute), Reason: fb.ReasonFull},
			{AgentID: "a6\u202eevil", Status: "LoggedOut", Capacity: 3, Reason: fb.ReasonLoggedOut},
		},
	}})
	do(commands.Request{Actor: "integ"}, "api", fb.Route{AgentID: "a5"})

	clock.Advance(30 * time.Second) // 09:01:30
	do(router, "routed", fb.TimeOut{AgentID: "a1", Offer: 1, TimeoutSeconds: 30})
	do(commands.Request{Actor: "a5"}, "api", fb.Reject{By: "a5"})

	clock.Advance(time.Second) // 09:01:31
	do(router, "routed", fb.Route{AgentID: "a2", Decision: &fb.RoutingDecision{
		Queue: "Sales", Rule: routing.Rule, WaitingSince: t0, DecidedAt: clock.Now(), OfferTimeoutSeconds: 30, Members: 3,
		Candidates: []fb.Candidate{
			{AgentID: "a2", Status: "Ready", Load: 1, Capacity: 2, IdleSince: t0.Add(-5 * time.Minute), Chosen: true},
			{AgentID: "a1", Status: "Ready", Load: 0, Capacity: 2, IdleSince: t0.Add(time.Minute), Reason: routing.ReasonDeclined},
			{AgentID: "a3", Status: "NotReady", Load: 0, Capacity: 2, IdleSince: t0.Add(-time.Hour), Reason: fb.ReasonNotReady},
		},
	}})

	clock.Advance(10 * time.Second) // 09:01:41
	do(commands.Request{Actor: "a2"}, "routed", fb.Accept{By: "a2", Nickname: "Bob"})

	decision := func(agent string) *fb.RoutingDecision {
		return &fb.RoutingDecision{Queue: "Sales", Rule: routing.Rule, WaitingSince: t0, DecidedAt: clock.Now(), OfferTimeoutSeconds: 30, Members: 1,
			Candidates: []fb.Candidate{{AgentID: agent, Status: "Ready", Capacity: 1, IdleSince: t0, Chosen: true}}}
	}
	do(router, "waiting", fb.Route{AgentID: "a3", Decision: decision("a3")})
	clock.Advance(5 * time.Second) // 09:01:46
	do(commands.Request{Actor: "a3"}, "waiting", fb.Reject{By: "a3"})

	intake("queued", "Sales", "")
	intake("pending", "Sales", "")
	clock.Advance(2 * time.Second) // 09:01:48
	do(router, "pending", fb.Route{AgentID: "a4", Decision: decision("a4")})
}

// lines splits output into its lines, each with its runs of spaces made
// one, so that assertions do not depend on tabwriter's padding.
func lines(out string) []string {
	var ls []string
	for l := range strings.SplitSeq(strings.TrimRight(out, "\n"), "\n") {
		ls = append(ls, strings.Join(strings.Fields(l), " "))
	}
	return ls
}

// explainAssertions checks fbsessionctl explain's answers on the sessions
// routedLives made, running it with explain.
func explainAssertions(t *testing.T, explain func(args ...string) (string, error)) {
	t.Helper()
	out, err := explain("explain", "routed")
	require.NoError(t, err)
	t.Logf("fbsessionctl explain routed:\n%s", out)
	require.Equal(t, []string{
		"session routed: routed 2 time(s)",
		"",
		"routing 1: offered to a1 at 2026-11-24T09:01:00Z (version 2, position 5) by the router",
		"queued: 2026-11-24T09:00:00Z in queue Sales by SessionStarted (version 1): queued to Sales; participants: \"Vitaliy\" (Customer)",
		"decided: 2026-11-24T09:01:00Z, queue Sales, rule longest-idle, after waiting 1m0s (in queue since 2026-11-24T09:00:00Z); offer timeout 30s",
		"chosen: a1 Ready load 0/2 idle 11m0s",
		"not chosen: a2 Ready load 1/2 idle 6m0s idle less long",
		"a3 NotReady load 0/2 idle 1h1m0s NotReady on facebooksession",
		"a4 Ready load 2/2 idle 21m0s full: load 2 of capacity 2",
		`a6\u202eevil LoggedOut load 0/3 idle - logged out: no contact center session`,
		"2 more members not listed (7 members in all)",
		"outcome: timed out after 30s: a1 did not answer (OfferTimedOut at 2026-11-24T09:01:30Z, version 3)",
		"",
		"routing 2: offered to a2 at 2026-11-24T09:01:31Z (version 4, position 9) by the router",
		"queued: 2026-11-24T09:01:30Z in queue Sales by OfferTimedOut (version 3): a1 let offer 1 time out after 30s; waits for routing",
		"decided: 2026-11-24T09:01:31Z, queue Sales, rule longest-idle, after waiting 1m31s (in queue since 2026-11-24T09:00:00Z); offer timeout 30s",
		"chosen: a2 Ready load 1/2 idle 6m31s",
		"not chosen: a1 Ready load 0/2 idle 31s declined this session already in this wait (rejected it or let the offer time out)",
		"a3 NotReady load 0/2 idle 1h1m31s NotReady on facebooksession",
		"outcome: accepted by a2 after 10s (OfferAccepted at 2026-11-24T09:01:41Z, version 5)",
		"",
		"now: chatting with a2 since 2026-11-24T09:01:41Z",
	}, lines(out))
	require.NotContains(t, out, "\u202e", "text from the log is escaped")

	out, err = explain("explain", "routed", "--json")
	require.NoError(t, err)
	require.NotContains(t, out, "\u202e")
	var x audit.Explanation
	require.NoError(t, json.Unmarshal([]byte(out), &x))
	require.Len(t, x.Routings, 2)
	first := x.Routings[0]
	require.True(t, first.ByRouter)
	require.Equal(t, "SessionStarted", first.Queued.Type)
	require.Equal(t, "a1", first.Decision.Chosen.AgentID)
	require.Equal(t, 660.0, *first.Decision.Chosen.IdleSeconds)
	require.Equal(t, 60.0, first.Decision.WaitedSeconds)
	require.Equal(t, 2, first.Decision.Unlisted)
	require.Equal(t, "Full", first.Decision.Others[2].Reason)
	require.Equal(t, audit.OutcomeTimedOut, first.Outcome.Kind)
	require.Equal(t, 30, first.Outcome.TimeoutSeconds)
	require.Equal(t, audit.OutcomeAccepted, x.Routings[1].Outcome.Kind)
	require.Equal(t, audit.Now{State: audit.NowChatting, AgentID: "a2", Since: t0.Add(101 * time.Second), Step: x.Now.Step, EverQueued: true}, x.Now)
	// The field names docs/AUDIT.md documents.
	for _, name := range []string{`"sessionId"`, `"routings"`, `"byRouter"`, `"queued"`, `"decision"`, `"waitedSeconds"`,
		`"chosen"`, `"others"`, `"whyNot"`, `"idleSeconds"`, `"unlisted"`, `"outcome"`, `"kind"`, `"afterSeconds"`, `"now"`, `"everQueued"`} {
		require.Contains(t, out, name)
	}

	out, err = explain("explain", "api")
	require.NoError(t, err)
	t.Logf("fbsessionctl explain api:\n%s", out)
	require.Equal(t, []string{
		"session api: routed 1 time(s)",
		"",
		"routing 1: offered to a5 at 2026-11-24T09:01:00Z (version 2, position 6) by the integration API's Route (actor integ): no routing decision recorded",
		"queued: 2026-11-24T09:00:00Z in queue Sales by SessionStarted (version 1): queued to Sales; participants: \"Vitaliy\" (Customer)",
		"outcome: rejected by a5 after 30s (OfferRejected at 2026-11-24T09:01:30Z, version 3)",
		"",
		"now: waiting in queue Sales since 2026-11-24T09:01:30Z, by OfferRejected (version 3)",
	}, lines(out))

	out, err = explain("explain", "waiting")
	require.NoError(t, err)
	t.Logf("fbsessionctl explain waiting:\n%s", out)
	require.Equal(t, []string{
		"session waiting: routed 1 time(s)",
		"",
		"routing 1: offered to a3 at 2026-11-24T09:01:41Z (version 2, position 11) by the router",
		"queued: 2026-11-24T09:00:00Z in queue Sales by SessionStarted (version 1): queued to Sales; participants: \"Vitaliy\" (Customer)",
		"decided: 2026-11-24T09:01:41Z, queue Sales, rule longest-idle, after waiting 1m41s (in queue since 2026-11-24T09:00:00Z); offer timeout 30s",
		"chosen: a3 Ready load 0/1 idle 1m41s",
		"outcome: rejected by a3 after 5s (OfferRejected at 2026-11-24T09:01:46Z, version 3)",
		"",
		"now: waiting in queue Sales since 2026-11-24T09:00:00Z, its place kept; back since 2026-11-24T09:01:46Z by OfferRejected (version 3)",
	}, lines(out))

	out, err = explain("explain", "queued")
	require.NoError(t, err)
	require.Equal(t, []string{
		"session queued: no routing decision yet",
		"",
		"now: waiting in queue Sales since 2026-11-24T09:01:46Z, by SessionStarted (version 1)",
	}, lines(out))

	out, err = explain("explain", "pending")
	require.NoError(t, err)
	ls := lines(out)
	require.Equal(t, "outcome: running: a4 has not answered yet", ls[len(ls)-3])
	require.Equal(t, "now: offered to a4 since 2026-11-24T09:01:48Z, not answered yet", ls[len(ls)-1])

	out, err = explain("explain", "direct")
	require.NoError(t, err)
	require.Equal(t, []string{
		"session direct: never queued, no routing decision",
		"",
		"now: chatting with a1 since 2026-11-24T09:00:00Z",
	}, lines(out))

	_, err = explain("explain", "nosuch")
	require.ErrorIs(t, err, audit.ErrNoSession)
	require.ErrorContains(t, err, "nosuch")
}

// fbsessionctl explain on PostgreSQL.
func TestExplainPostgres(t *testing.T) {
	t.Parallel()
	url := postgrestest.SchemaURL(t)
	b := storetest.Postgres(t, storetest.Options{ClockAt: t0, PostgresURL: url})
	routedLives(t, b.Store, b.Clock)
	explainAssertions(t, func(args ...string) (string, error) { return runDB(t, url, args...) })
}

// fbsessionctl explain on the embedded default.
func TestExplainEmbedded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := storetest.NewClock(t0)
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "events.db"), sqlite.Config{Now: clock.Now})
	require.NoError(t, err)
	_, err = s.Migrate(context.Background())
	require.NoError(t, err)
	routedLives(t, s, clock)
	require.NoError(t, s.Close())
	explainAssertions(t, func(args ...string) (string, error) { return run(t, dir, "", args...) })
}
