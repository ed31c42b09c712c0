package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
)

// floor is the routing mode's contact center: the intake clients, and
// the agents' desktops, each subscribed to its own sessions'
// notifications on NATS (<prefix>.users.<agentId>.facebooksession.>) as
// a GWS desktop is, accepting each offer as it arrives and completing it
// after the handling time. Notifications, not polling, so that the
// latencies are the router's and the notifier's, not a poll interval's.
type floor struct {
	ctx    context.Context
	cancel context.CancelFunc
	cfg    Config
	client *http.Client
	bases  []string
	nc     *nats.Conn
	n      int
	work   sync.WaitGroup

	mu sync.Mutex
	// start is when the timed phase began, intakeEnd when the last intake
	// was answered.
	start, intakeEnd time.Time
	intakeOver       bool
	// intakeDone and offerSeen are, by session index, when its intake
	// was answered 201 and when an agent was first told of its offer.
	intakeDone, offerSeen []time.Time
	// handled is the agent each session's offer was handled by.
	handled map[string]string

	intaken, errors, duplicates atomic.Int64
	// finished counts the sessions an agent is done with: completed, or
	// given up on a failed request.
	finished atomic.Int64
	progress atomic.Int64
	// lastComplete is when the last Complete was answered, UnixNano.
	lastComplete atomic.Int64
}

// newFloor subscribes every agent's desktop to their notifications.
func newFloor(ctx context.Context, cfg Config, prefix string, client *http.Client, bases []string, sessions int) (*floor, error) {
	nc, err := nats.Connect(cfg.NATSURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &floor{ctx: ctx, cancel: cancel, cfg: cfg, client: client, bases: bases, nc: nc, n: sessions,
		intakeDone: make([]time.Time, sessions), offerSeen: make([]time.Time, sessions), handled: make(map[string]string, sessions)}
	subjects := gws.NewSubjects(prefix)
	for a := range cfg.Routing.Agents {
		if _, err = nc.Subscribe(subjects.User(agentID(a), ">"), f.desktop(a)); err != nil {
			break
		}
	}
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

func agentID(a int) string { return "a" + strconv.Itoa(a) }

// agentBase is the daemon agent a works with.
func (f *floor) agentBase(a int) string { return f.bases[a%len(f.bases)] }

// ready starts each agent's contact center session and sets them Ready,
// over HTTP as a desktop does; this is also each agent's login.
func (f *floor) ready() error {
	return fanOut(f.cfg.Routing.Agents, 16, func(a int) error {
		for _, step := range []struct{ path, body string }{
			{"/api/v2/me", `{"operationName":"StartContactCenterSession","channels":["facebooksession"]}`},
			{"/api/v2/me/channels/facebooksession", `{"operationName":"Ready"}`},
		} {
			status, err := post(f.ctx, f.client, f.agentBase(a)+step.path, agentID(a), step.body)
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("HTTP %d", status)
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", agentID(a), step.body, err)
			}
		}
		return nil
	})
}

// desktop is agent a's handler of their notifications: an offer
// (StatusChange to Invited) is accepted, then completed.
func (f *floor) desktop(a int) nats.MsgHandler {
	agent := agentID(a)
	return func(m *nats.Msg) {
		now := time.Now()
		var body struct {
			Facebooksession struct {
				ID    string    `json:"id"`
				State fb.Status `json:"state"`
			} `json:"facebooksession"`
		}
		if json.Unmarshal(m.Data, &body) != nil || body.Facebooksession.State != fb.StatusInvited {
			return
		}
		id := body.Facebooksession.ID
		f.mu.Lock()
		if i, ok := sessionIndex(id, f.n); ok && f.offerSeen[i].IsZero() {
			f.offerSeen[i] = now
		}
		if f.handled[id] == agent {
			f.mu.Unlock()
			f.duplicates.Add(1)
			return
		}
		f.handled[id] = agent
		f.mu.Unlock()
		f.work.Add(1)
		go func() {
			defer f.work.Done()
			f.handle(a, id)
		}()
	}
}

// handle accepts the session offered to agent a, chats for the handling
// time, and completes it.
func (f *floor) handle(a int, id string) {
	defer f.finished.Add(1)
	url := f.agentBase(a) + "/api/v2/me/facebooksessions/" + id
	if !f.operate(url, agentID(a), `{"operationName":"Accept"}`) {
		return
	}
	if d := f.cfg.Routing.HandleTime; d > 0 {
		sleep(f.ctx, d)
	}
	if f.operate(url, agentID(a), `{"operationName":"Complete"}`) {
		f.lastComplete.Store(time.Now().UnixNano())
	}
}

// operate sends an agent's operation; ok is false when it failed.
func (f *floor) operate(url, agent, body string) (ok bool) {
	status, answer, err := postAnswer(f.ctx, f.client, url, agent, body)
	f.progress.Add(1)
	if err != nil || status != http.StatusOK {
		if f.ctx.Err() == nil {
			f.errors.Add(1)
			f.cfg.Log.Warn("bench: an agent's operation failed", "agent", agent, "url", url, "body", body, "status", status, "answer", answer, "err", err)
		}
		return false
	}
	return true
}

// intake creates the sessions s<i> in the queue, from the given number
// of clients, paced at rate sessions a second (0: as fast as they can).
func (f *floor) intake(bodyOf func(i int) (string, error), clients int, rate float64) {
	var bodies sync.Mutex // bodyOf reuses one map
	_ = fanOut(f.n, clients, func(i int) error {
		if rate > 0 {
			sleep(f.ctx, time.Until(f.start.Add(time.Duration(float64(i)/rate*float64(time.Second)))))
		}
		bodies.Lock()
		body, err := bodyOf(i)
		bodies.Unlock()
		if err != nil {
			return err
		}
		status, answer, err := postAnswer(f.ctx, f.client, f.bases[i%len(f.bases)]+"/api/v2/facebooksessions", "router", body)
		f.progress.Add(1)
		if err != nil || status != http.StatusCreated {
			if f.ctx.Err() == nil {
				f.errors.Add(1)
				f.cfg.Log.Warn("bench: an intake failed", "session", i, "status", status, "answer", answer, "err", err)
			}
			return nil
		}
		now := time.Now()
		f.mu.Lock()
		f.intakeDone[i] = now
		f.mu.Unlock()
		f.intaken.Add(1)
		return nil
	})
	f.mu.Lock()
	f.intakeOver, f.intakeEnd = true, time.Now()
	f.mu.Unlock()
}

// run starts the timed phase: the intakes, while the desktops work. It
// waits until every session taken in is done with, or until nothing has
// moved for routingStall, and returns the time from the start to the
// last Complete (or to the stall).
func (f *floor) run(bodyOf func(i int) (string, error), clients int, rate float64) (elapsed time.Duration, stalled bool) {
	f.mu.Lock()
	f.start = time.Now()
	f.mu.Unlock()
	go f.intake(bodyOf, clients, rate)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	last, moved := int64(-1), time.Now()
	for {
		select {
		case <-f.ctx.Done():
			return time.Since(f.start), true
		case <-tick.C:
		}
		f.mu.Lock()
		over := f.intakeOver
		f.mu.Unlock()
		if over && f.finished.Load() >= f.intaken.Load() {
			if t := f.lastComplete.Load(); t != 0 {
				return time.Unix(0, t).Sub(f.start), false
			}
			return time.Since(f.start), false
		}
		if p := f.progress.Load(); p != last {
			last, moved = p, time.Now()
		} else if time.Since(moved) > routingStall {
			return time.Since(f.start), true
		}
	}
}

// intakeElapsed is how long the intakes took.
func (f *floor) intakeElapsed() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.intakeEnd.Sub(f.start)
}

// seenLatencies are, sorted, the times from each intake's 201 to its
// offer's notification; 0 when the notification came first.
func (f *floor) seenLatencies() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]time.Duration, 0, f.n)
	for i, done := range f.intakeDone {
		if seen := f.offerSeen[i]; !done.IsZero() && !seen.IsZero() {
			out = append(out, max(0, seen.Sub(done)))
		}
	}
	slices.Sort(out)
	return out
}

// close ends what is still under way and the desktops' subscriptions.
func (f *floor) close() {
	f.cancel()
	f.nc.Close()
	f.work.Wait()
}

// sessionIndex is i of session id s<i>, if it is one of the n.
func sessionIndex(id string, n int) (int, bool) {
	digits, ok := strings.CutPrefix(id, "s")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	return i, err == nil && i >= 0 && i < n
}

// queuedIntakeBody returns the intake body of session s<i>, the chosen
// session placed in the routing mode's queue.
func queuedIntakeBody(session string) (func(i int) (string, error), error) {
	body, err := intakeTemplate(session)
	if err != nil {
		return nil, err
	}
	delete(body, "agentId")
	delete(body, "state")
	body["queueName"] = json.RawMessage(strconv.Quote(RoutingQueue))
	return func(i int) (string, error) {
		body["id"] = json.RawMessage(strconv.Quote("s" + strconv.Itoa(i)))
		b, err := json.Marshal(body)
		return string(b), err
	}, nil
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
