package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/domain/queue"
)

// Routing configures the routing mode (RunRouting): agents Ready in one
// queue, intakes to it, and the agents accepting and completing what the
// router offers them, as desktops would.
type Routing struct {
	// Agents are the queue's members, a0, a1...; default 50.
	Agents int
	// Capacity is each agent's facebooksession capacity; default 3.
	Capacity int
	// HandleTime is how long an agent chats between its Accept and its
	// Complete; default none.
	HandleTime time.Duration
	// IntakeRate paces the intakes, in sessions per second over all the
	// clients; 0 sends them as fast as the clients can.
	IntakeRate float64
}

// RoutingQueue is the queue the routing mode makes and intakes to.
const RoutingQueue = "bench"

// routingStall is how long a run may make no progress (no Accept, no
// Complete, no intake) before its wait ends and what it has is checked:
// longer than the queue's offer timeout, so that an offer lost on the
// way is timed out and offered again first.
const routingStall = 2 * queue.DefaultOfferTimeoutSeconds * time.Second

// RoutingResult is one routing run. The latencies are in milliseconds.
type RoutingResult struct {
	Daemons  int `json:"daemons"`
	Agents   int `json:"agents"`
	Capacity int `json:"capacity"`
	// Clients send the intakes.
	Clients    int     `json:"clients"`
	Sessions   int     `json:"sessions"`
	IntakeRate float64 `json:"intakeRate"`
	HandleMs   float64 `json:"handleMs"`
	// ElapsedSeconds is the timed phase, from the first intake to the
	// last Complete, by the bench's clock.
	ElapsedSeconds float64 `json:"elapsedSeconds"`
	IntakesPerSec  float64 `json:"intakesPerSec"`
	// Offers are the SessionRouted events in the log; OffersPerSec, per
	// second from the first intake's SessionStarted to the last offer,
	// both as the log recorded them.
	Offers       int     `json:"offers"`
	OffersPerSec float64 `json:"offersPerSec"`
	// Queued to offered, from the log: each SessionRouted's recorded time
	// less the place its decision records (WaitingSince).
	QueuedP50ms float64 `json:"queuedToOfferedP50Ms"`
	QueuedP95ms float64 `json:"queuedToOfferedP95Ms"`
	QueuedP99ms float64 `json:"queuedToOfferedP99Ms"`
	QueuedMaxMs float64 `json:"queuedToOfferedMaxMs"`
	// Decided to recorded, from the log: the Route's append, after the
	// decision (DecidedAt).
	AppendP50ms float64 `json:"decidedToRecordedP50Ms"`
	AppendP99ms float64 `json:"decidedToRecordedP99Ms"`
	// Freed to offered, from the log: for each place a full agent freed
	// (a Complete) while sessions waited, the time to that agent's next
	// SessionRouted: how soon the router fills a place when places, not
	// the router, are what sessions wait for (then queued to offered is
	// mostly the queue's length). Refills counts them; none when no agent
	// was ever full.
	Refills     int     `json:"refills"`
	RefillP50ms float64 `json:"freedToOfferedP50Ms"`
	RefillP99ms float64 `json:"freedToOfferedP99Ms"`
	// Seen at the client: from the intake's 201 to the agent's receiving
	// the offer's StatusChange on NATS (0 when the offer came first).
	SeenP50ms float64 `json:"intakeToOfferSeenP50Ms"`
	SeenP95ms float64 `json:"intakeToOfferSeenP95Ms"`
	SeenP99ms float64 `json:"intakeToOfferSeenP99Ms"`
	SeenMaxMs float64 `json:"intakeToOfferSeenMaxMs"`

	// The checks; each is 0 in a correct run.

	// OfferedTwice are the sessions with more than one SessionRouted,
	// NotOffered those with none, NotCompleted those without their
	// InteractionCompleted, all from the log.
	OfferedTwice int `json:"offeredTwice"`
	NotOffered   int `json:"notOffered"`
	NotCompleted int `json:"notCompleted"`
	// Waiting is the queue's live figure at the end (GET /api/v2/queues).
	Waiting int `json:"waiting"`
	// TimedOut are the OfferTimedOut events: agents here answer every
	// offer, so one is an offer that never reached its agent.
	TimedOut int `json:"timedOut"`
	// MaxLoad is the most sessions an agent held at once (offered or
	// chatting), replaying the log in its order; OverCapacity, the offers
	// that took an agent over their capacity.
	MaxLoad      int `json:"maxLoad"`
	OverCapacity int `json:"overCapacity"`
	// SessionsInLog are the sessions the log has; Sessions, the intakes
	// answered 201.
	SessionsInLog int `json:"sessionsInLog"`
	// DuplicateOffersSeen are offers an agent was notified of again.
	DuplicateOffersSeen int `json:"duplicateOffersSeen"`
	// Errors are failed intakes, Accepts and Completes.
	Errors int `json:"errors"`
	// Stalled: the run made no progress for a minute and was cut short.
	Stalled bool `json:"stalled"`

	PeakRSSMB float64 `json:"peakRssMb"`
	// CPUPerSession, DBCPUPerSession, NATSCPUPerSession and
	// ClientCPUPerSession are the service's, PostgreSQL's, nats-server's
	// and the bench's own CPU per session (its intake, offer, Accept and
	// Complete together), in ms; the client's is 0 with the service
	// in-process.
	CPUPerSession       float64 `json:"cpuMsPerSession"`
	DBCPUPerSession     float64 `json:"dbCpuMsPerSession"`
	NATSCPUPerSession   float64 `json:"natsCpuMsPerSession"`
	ClientCPUPerSession float64 `json:"clientCpuMsPerSession"`
	HostCPUBusy         float64 `json:"hostCpuBusy"`
	// OtherLoadCores is the host's busy CPU during the timed phase less
	// the service's, PostgreSQL's, nats-server's and the bench's, in
	// cores: other work on the machine, which the figures then include.
	OtherLoadCores float64 `json:"otherLoadCores"`
}

// Problems are the checks the run failed, none when it was correct.
func (r *RoutingResult) Problems() []string {
	var p []string
	check := func(n int, what string) {
		if n != 0 {
			p = append(p, fmt.Sprintf("%d %s", n, what))
		}
	}
	check(r.OfferedTwice, "sessions offered more than once")
	check(r.NotOffered, "sessions never offered")
	check(r.NotCompleted, "sessions not completed")
	check(r.Waiting, "sessions left waiting")
	check(r.TimedOut, "offers timed out")
	check(r.OverCapacity, "offers over an agent's capacity")
	check(r.DuplicateOffersSeen, "offers notified twice")
	check(r.Errors, "failed requests")
	if r.SessionsInLog != r.Sessions {
		p = append(p, fmt.Sprintf("%d sessions in the log, %d intakes answered", r.SessionsInLog, r.Sessions))
	}
	if r.Stalled {
		p = append(p, "stalled: no progress for "+routingStall.String())
	}
	return p
}

// RunRouting runs the routing mode once for each number of intake
// clients, on fresh schemas.
func RunRouting(ctx context.Context, cfg Config) ([]RoutingResult, error) {
	if cfg.DatabaseURL == "" || cfg.NATSURL == "" {
		return nil, errors.New("bench needs a PostgreSQL URL and a NATS URL")
	}
	if cfg.Sessions <= 0 {
		return nil, errors.New("bench needs sessions > 0")
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	cfg.Daemons = max(cfg.Daemons, 1)
	if cfg.Daemons > 1 && cfg.Daemon == "" {
		return nil, errors.New("bench needs an fbsessiond binary for more than one daemon")
	}
	if cfg.Routing.Agents <= 0 {
		cfg.Routing.Agents = agents
	}
	if cfg.Routing.Capacity <= 0 {
		cfg.Routing.Capacity = as.DefaultCapacity
	}
	if cfg.Routing.Agents > queue.MaxMembers {
		return nil, fmt.Errorf("bench: at most %d agents, the members a queue holds", queue.MaxMembers)
	}
	if cfg.Routing.IntakeRate < 0 || cfg.Routing.HandleTime < 0 {
		return nil, errors.New("bench: the intake rate and the handling time cannot be negative")
	}
	var out []RoutingResult
	for _, c := range cfg.Clients {
		fmt.Fprintf(cfg.Out, "routing, %d agents, %d intake clients...\n", cfg.Routing.Agents, c)
		r, err := runRouting(ctx, cfg, max(c, 1))
		if err != nil {
			return out, fmt.Errorf("routing, clients=%d: %w", c, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// runRouting is one run: fbsessiond on a fresh schema, the agents and the
// queue made, the agents Ready, then the timed phase.
func runRouting(ctx context.Context, cfg Config, clients int) (RoutingResult, error) {
	rc := cfg.Routing
	r := RoutingResult{Daemons: cfg.Daemons, Agents: rc.Agents, Capacity: rc.Capacity, Clients: clients,
		IntakeRate: rc.IntakeRate, HandleMs: ms(rc.HandleTime)}
	dbURL, drop, err := newSchema(ctx, cfg.DatabaseURL, unique("bench_"))
	if err != nil {
		return r, err
	}
	defer drop()
	svc := serviceConfig(cfg, dbURL)
	bases, pids, stop, err := startDaemons(ctx, cfg, &svc, cfg.Daemons)
	defer stop()
	if err != nil {
		return r, err
	}
	if err := makeQueue(ctx, &svc, cfg); err != nil {
		return r, fmt.Errorf("the queue: %w", err)
	}
	bodyOf, err := queuedIntakeBody(cfg.Session)
	if err != nil {
		return r, err
	}
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: rc.Agents*rc.Capacity + clients, MaxConnsPerHost: rc.Agents*rc.Capacity + clients + 16,
	}, Timeout: 30 * time.Second}
	f, err := newFloor(ctx, cfg, svc.SubjectPrefix, client, bases, cfg.Sessions)
	if err != nil {
		return r, err
	}
	defer f.close()
	if err := f.ready(); err != nil {
		return r, err
	}

	profiled := make(chan error, 1)
	if cfg.CPUProfile != "" {
		go func() {
			profiled <- fetchProfile(ctx, svc.PprofAddr, cfg.ProfileSeconds, fmt.Sprintf("%s-routing-c%d.pprof", cfg.CPUProfile, clients))
		}()
	} else {
		profiled <- nil
	}
	cpu0, db0 := sumCPUSeconds(pids), commandCPUSeconds("postgres")
	nats0, client0 := commandCPUSeconds("nats-server"), cpuSeconds(os.Getpid())
	busy0, total0 := hostCPU()
	phaseStart := time.Now()
	elapsed, stalled := f.run(bodyOf, clients, rc.IntakeRate)
	busy1, total1 := hostCPU()
	phase := time.Since(phaseStart).Seconds()
	r.ElapsedSeconds, r.Stalled = elapsed.Seconds(), stalled
	r.Sessions = int(f.intaken.Load())
	svcCPU, dbCPU, natsCPU := sumCPUSeconds(pids)-cpu0, commandCPUSeconds("postgres")-db0, commandCPUSeconds("nats-server")-nats0
	var clientCPU float64
	if pids[0] != os.Getpid() { // in-process, the client's CPU is the service's
		clientCPU = cpuSeconds(os.Getpid()) - client0
	}
	n := float64(max(r.Sessions, 1))
	r.CPUPerSession, r.DBCPUPerSession = svcCPU*1000/n, dbCPU*1000/n
	r.NATSCPUPerSession, r.ClientCPUPerSession = natsCPU*1000/n, clientCPU*1000/n
	if total1 > total0 {
		r.HostCPUBusy = (busy1 - busy0) / (total1 - total0)
		ours := (svcCPU + dbCPU + natsCPU + clientCPU) / phase
		r.OtherLoadCores = r.HostCPUBusy*float64(runtime.NumCPU()) - ours
	}
	if err := <-profiled; err != nil {
		return r, fmt.Errorf("cpu profile: %w", err)
	}
	r.IntakesPerSec = float64(r.Sessions) / f.intakeElapsed().Seconds()
	r.Errors = int(f.errors.Load())
	r.DuplicateOffersSeen = int(f.duplicates.Load())
	seen := f.seenLatencies()
	r.SeenP50ms, r.SeenP95ms, r.SeenP99ms, r.SeenMaxMs = pct(seen, .5), pct(seen, .95), pct(seen, .99), pct(seen, 1)
	for _, p := range pids {
		r.PeakRSSMB = max(r.PeakRSSMB, peakRSSMB(p))
	}
	if r.Waiting, err = waiting(ctx, client, bases[0]); err != nil {
		return r, err
	}
	lg, err := readRoutingLog(ctx, dbURL, rc.Capacity)
	if err != nil {
		return r, err
	}
	lg.fill(&r)
	return r, nil
}

// makeQueue adds the queue, with every agent a member, and sets each
// agent's capacity, as fbsessionctl's queues add, queues members add and
// users set --capacity do.
func makeQueue(ctx context.Context, svc *config.Config, cfg Config) error {
	b, err := backend.Open(ctx, svc, cfg.Log)
	if err != nil {
		return err
	}
	defer b.Close()
	const by = "bench"
	queues := commands.NewQueueHandler(b.Store, b.Users)
	if _, err := queues.Add(ctx, commands.Request{Actor: by}, queue.Add{Name: RoutingQueue, By: by}); err != nil {
		return err
	}
	members := make([]string, cfg.Routing.Agents)
	for i := range members {
		members[i] = "a" + strconv.Itoa(i)
	}
	if _, err := queues.Execute(ctx, commands.Request{Actor: by}, RoutingQueue, queue.AddMembers{Agents: members, By: by}); err != nil {
		return err
	}
	h := commands.NewAgentHandler(b.Store, commands.WithReferenceIDs(commands.NewReferenceIDs(b.Store, 64)))
	return fanOut(len(members), 8, func(i int) error {
		_, err := h.Execute(ctx, commands.Request{Actor: by}, as.SetCapacity{
			Sender:  as.Sender{Agent: members[i], By: by, Administrator: true},
			Channel: as.ChannelFacebookSession, Capacity: cfg.Routing.Capacity,
		})
		return err
	})
}

// waiting is the queue's live figure of the sessions waiting.
func waiting(ctx context.Context, client *http.Client, base string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v2/queues/"+RoutingQueue, nil)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth("router", password)
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var body struct {
		Queue struct {
			Waiting int `json:"waiting"`
		} `json:"queue"`
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET the queue: HTTP %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("GET the queue: %w", err)
	}
	return body.Queue.Waiting, nil
}
