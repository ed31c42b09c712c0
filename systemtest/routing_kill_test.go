package systemtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/sessionlog"
)

// The router under SIGKILL: sessions are queued, offered to two Ready
// agents of capacity 1, accepted and completed by them, while the
// fbsessiond that routes is killed and started again, alone and beside a
// second fbsessiond on the same database; at each kill an offer runs
// that its agent leaves unanswered. Every session acknowledged at intake
// is in the log, was offered, one offer at a time, and ends completed;
// none is left waiting; the offers running at the kills were timed out
// by the next process that routed, and each offer timed out set its
// agent NotReady with NoAnswer once.
func TestRoutingSurvivesKills(t *testing.T) {
	t.Parallel()
	bins := buildBinaries(t)
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d processes", procs), func(t *testing.T) { routeUnderKills(t, bins, procs) })
	}
}

// routeOfferTimeout is the queue's offer timeout: short, so that offers
// run out across the kills (the killer pauses agent2 over each).
const routeOfferTimeout = 2 * time.Second

func routeUnderKills(t *testing.T, bins binaries, procs int) {
	sessions, kills := 40, 2
	if longTests() {
		sessions, kills = 200, 8
	}
	dbURL := postgrestest.SchemaURL(t)
	natsURL := natstest.RunServer(t, "", 0).ClientURL()
	var ds []*daemon
	for range procs {
		// The router's warnings (a failed offer or NoAnswer) in the log.
		ds = append(ds, startDaemon(t, bins, dbURL, natsURL, "FBSESSION_LOG_LEVEL=warn"))
	}
	f := &fleet{ds: ds}
	s := ds[0].service
	s.cli(dbURL, "correct horse\n", "users", "add", "a1", "--name", "agent1", "--role", "agent", "--feature", "api-multimedia", "--password-stdin")
	s.cli(dbURL, "battery staple\n", "users", "add", "a2", "--name", "agent2", "--role", "agent", "--feature", "api-multimedia", "--password-stdin")
	s.cli(dbURL, "router secret\n", "users", "add", "router", "--name", "router", "--role", "integration", "--password-stdin")
	s.admin(dbURL, "queues", "add", "Q", "--offer-timeout", routeOfferTimeout.String())
	s.admin(dbURL, "queues", "members", "add", "Q", "a1", "a2")
	agents := []*routedAgent{{user: "agent1", password: "correct horse"}, {user: "agent2", password: "battery staple"}}
	for i, a := range agents {
		s.admin(dbURL, "users", "set", fmt.Sprintf("a%d", i+1), "--capacity", "1")
		for _, body := range []string{`{"operationName":"StartContactCenterSession","channels":["facebooksession"]}`, ""} {
			path := "/api/v2/me"
			if body == "" {
				path, body = "/api/v2/me/channels/facebooksession", `{"operationName":"Ready"}`
			}
			status, answer := s.post(path, a.user, a.password, body)
			require.Equal(t, 200, status, answer)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	if longTests() {
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Minute)
	}
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())

	// The clients: the connector's intakes, paced, and the two agents.
	in := &intakes{status: make([]int, sessions)}
	var wg sync.WaitGroup
	wg.Add(1 + len(agents))
	go func() {
		defer wg.Done()
		in.run(ctx, t, f)
	}()
	for _, a := range agents {
		go func() {
			defer wg.Done()
			a.run(ctx, t, f)
		}()
	}
	defer func() { cancel(); wg.Wait() }() // on a Fatal too: no client outlives t

	completed := func() int {
		var n int
		err := conn.QueryRow(context.Background(), `SELECT count(DISTINCT stream_id) FROM events WHERE event_type = 'InteractionCompleted'`).Scan(&n)
		if err != nil {
			t.Errorf("counting completions: %v", err)
		}
		return n
	}
	// The killer: the process that routes, at even steps of the sessions
	// completed. Before each kill agent2 looks away until they hold an
	// offer, and until its deadline has passed after the kill: that offer
	// runs out across the kill, to be timed out by the next process that
	// routes. With two processes the other takes the routing over before
	// the killed one is started again.
	spanning := 0 // offers running at a kill
	for k := range kills {
		// agent2 Ready again after the last kill's NoAnswer, too.
		for (completed() < sessions*(k+1)/(kills+1) || agents[1].readies.Load() < int64(spanning)) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		victim := f.leader(ctx)
		held := agents[1].lookAwayWithAnOffer(ctx, f, 3*time.Second)
		at, killedAt := completed(), time.Now()
		victim.kill()
		agents[1].pauseUntil.Store(killedAt.Add(routeOfferTimeout + 500*time.Millisecond).UnixNano())
		if held != "" {
			spanning++
		}
		heir := ""
		if procs > 1 {
			heir = fmt.Sprintf("; %s routes after %s", f.leader(ctx).base, time.Since(killedAt).Round(time.Millisecond))
		}
		time.Sleep(100 * time.Millisecond)
		victim.start()
		if !assert.Eventually(t, victim.ready, 30*time.Second, 50*time.Millisecond, "fbsessiond ready again") {
			t.Fatal(victim.tail())
		}
		t.Logf("killed the routing fbsessiond %s at %d sessions completed, agent2 holding an offer of %q%s", victim.base, at, held, heir)
	}
	for completed() < sessions && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	require.Equal(t, sessions, completed(), "every session completed within the time allowed")

	// The log, session by session.
	streams := readSessionStreams(t, dbURL)
	var counts routeCounts
	for i, status := range in.status {
		id := fmt.Sprintf("r%d", i)
		require.Contains(t, []int{200, 201}, status, "%s was acknowledged", id)
		events, ok := streams[id]
		require.True(t, ok, "%s, acknowledged with %d, is in the log", id, status)
		checkRoutedOnce(t, id, events, &counts)
	}
	require.Len(t, streams, sessions, "no session but those taken in")
	require.Positive(t, spanning, "an offer ran at a kill")
	require.GreaterOrEqual(t, counts.timeoutsElsewhere, spanning,
		"each offer running at a kill timed out by the next process that routed")

	// And the router's picture: nothing waits, in every process.
	for _, d := range ds {
		require.Eventually(t, func() bool {
			status, body := d.get("/api/v2/queues/Q?fields=waiting", "router", "router secret")
			return status == 200 && strings.Contains(body, `"waiting":0`)
		}, 10*time.Second, 50*time.Millisecond, "%s shows nothing waiting", d.base)
	}
	var readies int64
	for _, a := range agents {
		readies += a.readies.Load()
	}
	// Each timed-out offer sets its agent NotReady with NoAnswer once, the
	// kills notwithstanding: the agents here never move their channel
	// before it is set (docs/API.md §13.3).
	noAnswers := func() (n int) {
		err := conn.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE stream_id LIKE 'agent-%'
			AND event_type = 'ChannelNotReady' AND data->>'reasonCode' = 'NoAnswer'`).Scan(&n)
		if err != nil {
			t.Errorf("counting NoAnswers: %v", err)
		}
		return n
	}
	require.Eventually(t, func() bool { return noAnswers() >= counts.timeouts }, 10*time.Second, 50*time.Millisecond,
		"a NoAnswer for each of the %d offers timed out", counts.timeouts)
	time.Sleep(200 * time.Millisecond) // room for a second one
	require.Equal(t, counts.timeouts, noAnswers(), "one NoAnswer per offer timed out")
	t.Logf("%d sessions, %d processes, %d kills: %d offers; %d timed out (%d by another process than the offer's), agents Ready again %d times; intake attempts %d",
		sessions, procs, kills, counts.offers, counts.timeouts, counts.timeoutsElsewhere, readies, in.attempts.Load())
}

// checkRoutedOnce checks one session's events: queued at intake, then
// offers each answered (accepted, or timed out or rejected, back to
// waiting) before the next, never two running, and completed once after
// an accepted offer. It counts the offers, the timed-out ones, and those
// of them timed out by another process than the one that made them
// (referenceIds come in blocks of 1000 per process: docs/DECISIONS.md).
func checkRoutedOnce(t *testing.T, id string, events []logged, c *routeCounts) {
	t.Helper()
	const (
		waiting = "waiting"
		offered = "offered"
		chatted = "chatting"
		done    = "completed"
	)
	state, agent, offeredBy := "", "", int64(0)
	offers := 0
	for i, l := range events {
		where := fmt.Sprintf("%s event %d (%T) while %q", id, i+1, l.Event, state)
		switch e := l.Event.(type) {
		case fb.SessionStarted:
			require.Equal(t, "", state, where)
			require.Equal(t, "Q", e.QueueName, where)
			state = waiting
		case fb.SessionRouted:
			require.Equal(t, waiting, state, "%s: a second offer while one runs, or an offer of a session not waiting", where)
			require.NotNil(t, e.Decision, "%s: the router's offer, with its decision", where)
			state, agent, offeredBy = offered, e.AgentID, l.ref/1000
			offers++
		case fb.OfferAccepted:
			require.Equal(t, offered, state, where)
			require.Equal(t, agent, e.AgentID, where)
			state = chatted
		case fb.OfferTimedOut:
			require.Equal(t, offered, state, where)
			require.Equal(t, agent, e.AgentID, where)
			state = waiting
			c.timeouts++
			if l.ref/1000 != offeredBy {
				c.timeoutsElsewhere++
			}
		case fb.OfferRejected:
			require.Equal(t, offered, state, where)
			state = waiting
		case fb.SessionEnded:
			require.Equal(t, chatted, state, where)
		case fb.InteractionCompleted:
			require.Equal(t, chatted, state, where)
			state = done
		default:
			t.Fatalf("%s: not expected", where)
		}
	}
	require.Equal(t, done, state, "%s ends completed", id)
	require.Positive(t, offers, "%s was offered", id)
	c.offers += offers
}

// routeCounts are what checkRoutedOnce counted.
type routeCounts struct{ offers, timeouts, timeoutsElsewhere int }

// logged is a session's event as the log has it, with the referenceId of
// its metadata (0 for intake's).
type logged struct {
	fb.Event
	ref int64
}

// readSessionStreams reads every session's events from the store at
// dbURL, by session id, in stream order.
func readSessionStreams(t *testing.T, dbURL string) map[string][]logged {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT stream_id, event_type, schema_version, data::text,
			coalesce((metadata->>'referenceId')::bigint, 0) FROM events
		WHERE stream_id LIKE 'facebooksession-%' ORDER BY stream_id, stream_version`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string][]logged{}
	for rows.Next() {
		var stream, typ, data string
		var schema int
		var ref int64
		require.NoError(t, rows.Scan(&stream, &typ, &schema, &data, &ref))
		e, err := sessionlog.Decode(typ, schema, []byte(data))
		require.NoError(t, err, "%s %s", stream, typ)
		id, _ := sessionlog.SessionID(stream)
		out[id] = append(out[id], logged{Event: e, ref: ref})
	}
	require.NoError(t, rows.Err())
	return out
}

// fleet is the fbsessiond of a test as clients reach them: a request
// goes to one, and to the next when it does not answer.
type fleet struct {
	ds   []*daemon
	next atomic.Int64
}

// do sends a request through f's processes until one answers; status 0
// when none did.
func (f *fleet) do(send func(*service) (int, string)) (int, string) {
	first := int(f.next.Add(1))
	var status int
	var body string
	for i := range f.ds {
		status, body = send(f.ds[(first+i)%len(f.ds)].service)
		if status != 0 {
			break
		}
	}
	return status, body
}

// leader is the fbsessiond that routes (fbsession_routing_leader 1),
// once one does.
func (f *fleet) leader(ctx context.Context) *daemon {
	for ctx.Err() == nil {
		for _, d := range f.ds {
			if (&member{svc: d.service}).metric("fbsession_routing_leader") == 1 {
				return d
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return f.ds[0]
}

// intakes are the connector's: sessions r0, r1... queued to Q, each
// retried with its Idempotency-Key until it is answered.
type intakes struct {
	// status is each intake's answer: 201, or 200 for a retry whose
	// first attempt was committed.
	status   []int
	attempts atomic.Int64
}

func (in *intakes) run(ctx context.Context, t *testing.T, f *fleet) {
	for i := range in.status {
		body := fmt.Sprintf(`{"id":"r%d","queueName":"Q"}`, i)
		for ctx.Err() == nil {
			in.attempts.Add(1)
			status, answer := f.do(func(s *service) (int, string) {
				return s.post("/api/v2/facebooksessions", "router", "router secret", body, "Idempotency-Key", fmt.Sprintf("intake-r%d", i))
			})
			if status == 200 || status == 201 {
				in.status[i] = status
				break
			}
			if status != 0 && status != 503 {
				t.Errorf("intake r%d: %d %s", i, status, answer)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // the kills fall among the intakes
	}
}

// routedAgent is an agent's desktop: it accepts what it is offered and
// completes it, and goes Ready again when the router set it NotReady.
type routedAgent struct {
	user, password string
	// pauseUntil (Unix ns): the agent looks away until then.
	pauseUntil atomic.Int64
	// looking: the agent's loop is past its pause check.
	looking atomic.Bool
	readies atomic.Int64
}

// lookAwayWithAnOffer pauses the agent until told otherwise, and waits
// up to within for them to be offered a session, which it returns ("" if
// none came).
func (a *routedAgent) lookAwayWithAnOffer(ctx context.Context, f *fleet, within time.Duration) string {
	a.pauseUntil.Store(math.MaxInt64)
	for a.looking.Load() && ctx.Err() == nil {
		time.Sleep(time.Millisecond) // the loop's request in flight ends
	}
	for end := time.Now().Add(within); time.Now().Before(end) && ctx.Err() == nil; time.Sleep(20 * time.Millisecond) {
		status, body := f.do(func(s *service) (int, string) {
			return s.get("/api/v2/me/facebooksessions?fields=id,state", a.user, a.password)
		})
		var list struct {
			Facebooksessions []struct{ ID, State string }
		}
		if status != 200 || json.Unmarshal([]byte(body), &list) != nil {
			continue
		}
		for _, s := range list.Facebooksessions {
			if s.State == "Invited" {
				return s.ID
			}
		}
	}
	return ""
}

func (a *routedAgent) run(ctx context.Context, t *testing.T, f *fleet) {
	call := func(path, body string) (int, string) {
		return f.do(func(s *service) (int, string) {
			if body == "" {
				return s.get(path, a.user, a.password)
			}
			return s.post(path, a.user, a.password, body)
		})
	}
	// want fails the test for a status other than those expected or
	// unavailability.
	want := func(what string, status int, body string, ok ...int) bool {
		for _, s := range append(ok, 0, 503) {
			if status == s {
				return status != 0 && status != 503
			}
		}
		t.Errorf("%s %s: %d %s", a.user, what, status, body)
		return false
	}
	for ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
		a.looking.Store(true) // before the check: lookAwayWithAnOffer waits for false
		if time.Now().UnixNano() < a.pauseUntil.Load() {
			a.looking.Store(false)
			continue
		}
		status, body := call("/api/v2/me/facebooksessions?fields=id,state", "")
		if !want("list", status, body, 200) {
			continue
		}
		var list struct {
			Facebooksessions []struct{ ID, State string }
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Errorf("%s list: %v: %s", a.user, err, body)
			return
		}
		for _, s := range list.Facebooksessions {
			path := "/api/v2/me/facebooksessions/" + s.ID
			if s.State == "Invited" {
				// 404/409: the offer ran out meanwhile.
				status, body = call(path, `{"operationName":"Accept"}`)
				if !want("Accept "+s.ID, status, body, 200, 404, 409) || status != 200 {
					continue
				}
			}
			// 409: completed by an attempt whose answer was lost.
			status, body = call(path, `{"operationName":"Complete"}`)
			want("Complete "+s.ID, status, body, 200, 409)
		}
		if len(list.Facebooksessions) > 0 {
			continue
		}
		status, body = call("/api/v2/me/channels", "")
		if want("channels", status, body, 200) && strings.Contains(body, `"state":"NotReady"`) {
			status, body = call("/api/v2/me/channels/facebooksession", `{"operationName":"Ready"}`)
			if want("Ready", status, body, 200) {
				a.readies.Add(1)
			}
		}
	}
}

// get reads path as user; status 0 and the error when there is no answer.
func (s *service) get(path, user, password string) (int, string) {
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	req.SetBasicAuth(user, password)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// admin runs an fbsessionctl command that takes only the store's
// settings (queues, users set) on the service's store.
func (s *service) admin(dbURL string, args ...string) string {
	s.t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(s.ctl, append(args, "--data-dir", s.ctlDir, "--database-url", dbURL, "--log-level", "error")...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(s.t, cmd.Run(), errOut.String())
	return out.String()
}
