package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/crypto/bcrypt"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/daemon"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/internal/seedfixtures"
	"github.com/fbsession/fbsession/users"
)

const (
	agents   = 50
	password = "bench-password"
)

// runService starts fbsessiond on a fresh schema, creates the sessions,
// completes them with the given number of keep-alive clients, and measures.
// It returns the event rows of one Complete for the raw run.
func runService(ctx context.Context, cfg Config, clients int) (Result, [2]eventRow, error) {
	var rows [2]eventRow
	r := Result{Daemons: max(cfg.Daemons, 1), Clients: clients, Completes: cfg.Sessions}
	dbURL, drop, err := newSchema(ctx, cfg.DatabaseURL, unique("bench_"))
	if err != nil {
		return r, rows, err
	}
	defer drop()
	svc := serviceConfig(cfg, dbURL)
	bases, pids, stop, err := startDaemons(ctx, cfg, &svc, r.Daemons)
	defer stop()
	if err != nil {
		return r, rows, err
	}
	base := roundRobin(bases)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: max(clients, 16), MaxConnsPerHost: max(clients, 16)}, Timeout: 30 * time.Second}
	if err := intake(ctx, client, base, cfg.Sessions, cfg.Session); err != nil {
		return r, rows, err
	}
	if err := logIn(ctx, client, bases); err != nil {
		return r, rows, err
	}
	notes, err := listen(cfg.NATSURL, svc.SubjectPrefix, cfg.Sessions)
	if err != nil {
		return r, rows, err
	}
	defer notes.close()

	if err := measure(ctx, cfg, &svc, &r, pids, dbURL, func() ([]time.Duration, int, time.Duration) {
		return complete(ctx, client, base, cfg.Sessions, clients)
	}); err != nil {
		return r, rows, err
	}
	if err := notes.wait(60 * time.Second); err != nil {
		return r, rows, err
	}
	for _, p := range pids {
		r.PeakRSSMB = max(r.PeakRSSMB, peakRSSMB(p))
	}
	committed, rows, err := commitTimes(ctx, dbURL)
	if err != nil {
		return r, rows, err
	}
	notify := notes.latencies(committed)
	r.NotifyP50ms, r.NotifyP99ms = pct(notify, .5), pct(notify, .99)
	return r, rows, nil
}

// serviceConfig is fbsessiond's configuration for a run on dbURL.
func serviceConfig(cfg Config, dbURL string) config.Config {
	svc := config.Config{
		DatabaseURL: dbURL, NATSURL: cfg.NATSURL, HTTPAddr: freeAddr(), SubjectPrefix: unique("bench") + ".gws.v2",
		Stream: strings.ToUpper(unique("BENCH_")), Retention: time.Hour, DuplicateWindow: time.Minute,
		// Each agent's password is checked once, before timing: the lowest
		// cost only shortens the set-up (minutes under the race detector).
		LogLevel: "warn", LogFormat: "text", BcryptCost: bcrypt.MinCost,
	}
	if cfg.CPUProfile != "" {
		svc.PprofAddr = freeAddr()
	}
	return svc
}

// startDaemons starts n fbsessiond on one schema, each on its own address,
// with the agents made once; stop ends those started, whatever the error.
func startDaemons(ctx context.Context, cfg Config, svc *config.Config, n int) (bases []string, pids []int, stop func(), err error) {
	var stops []func()
	stop = func() {
		for _, s := range slices.Backward(stops) {
			s()
		}
	}
	pprofAddr := svc.PprofAddr
	for d := 0; d < n; d++ {
		daemonCfg := *svc
		if d > 0 {
			daemonCfg.HTTPAddr, daemonCfg.PprofAddr = freeAddr(), ""
		}
		s, pid, err := startService(ctx, cfg, &daemonCfg)
		if err != nil {
			return bases, pids, stop, err
		}
		stops = append(stops, s)
		bases, pids = append(bases, "http://"+daemonCfg.HTTPAddr), append(pids, pid)
		if d == 0 {
			if err := addUsers(ctx, &daemonCfg, cfg); err != nil {
				return bases, pids, stop, err
			}
		}
	}
	svc.PprofAddr = pprofAddr
	return bases, pids, stop, nil
}

// logIn pays each agent's bcrypt check, once per process, before timing:
// a desktop logs in once, then works for hours.
func logIn(ctx context.Context, client *http.Client, bases []string) error {
	return fanOut(agents*len(bases), 16, func(i int) error {
		// 429 is the service's bound on bcrypt checks at once (a busy
		// host makes logins wait past it): a desktop tries again.
		for attempt := 1; ; attempt++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, bases[i/agents]+"/api/v2/me", nil)
			req.SetBasicAuth("a"+strconv.Itoa(i%agents), password)
			res, err := client.Do(req)
			if err != nil {
				return err
			}
			res.Body.Close()
			switch {
			case res.StatusCode == http.StatusOK:
				return nil
			case res.StatusCode == http.StatusTooManyRequests && attempt < 20:
				time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
			default:
				return fmt.Errorf("log in as a%d: HTTP %d", i%agents, res.StatusCode)
			}
		}
	})
}

// measure times run, the timed phase, and the CPU, WAL and profile it
// costs, into r.
func measure(ctx context.Context, cfg Config, svc *config.Config, r *Result, pids []int, dbURL string, run func() ([]time.Duration, int, time.Duration)) error {
	profiled := make(chan error, 1)
	if cfg.CPUProfile != "" {
		go func() {
			profiled <- fetchProfile(ctx, svc.PprofAddr, cfg.ProfileSeconds, fmt.Sprintf("%s-c%d.pprof", cfg.CPUProfile, r.Clients))
		}()
	} else {
		profiled <- nil
	}
	cpu0, db0, wal0 := sumCPUSeconds(pids), commandCPUSeconds("postgres"), walBytes(ctx, dbURL)
	nats0, client0 := commandCPUSeconds("nats-server"), cpuSeconds(os.Getpid())
	busy0, total0 := hostCPU()
	latencies, errs, elapsed := run()
	busy1, total1 := hostCPU()
	if total1 > total0 {
		r.HostCPUBusy = (busy1 - busy0) / (total1 - total0)
	}
	n := float64(r.Completes)
	r.Errors = errs
	r.CPUSeconds = sumCPUSeconds(pids) - cpu0
	r.CPUPerComplete = r.CPUSeconds * 1000 / n
	r.DBCPUPerComplete = (commandCPUSeconds("postgres") - db0) * 1000 / n
	r.WALKBPerComplete = perUnitKB(wal0, walBytes(ctx, dbURL), r.Completes)
	r.NATSCPUPerComplete = (commandCPUSeconds("nats-server") - nats0) * 1000 / n
	if pids[0] != os.Getpid() { // in-process, the client's CPU is the service's
		r.ClientCPUPerComplete = (cpuSeconds(os.Getpid()) - client0) * 1000 / n
	}
	if err := <-profiled; err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	r.CompletesPerSec = float64(r.Completes-errs) / elapsed.Seconds()
	slices.Sort(latencies)
	r.P50ms, r.P95ms, r.P99ms, r.MaxMs = pct(latencies, .5), pct(latencies, .95), pct(latencies, .99), pct(latencies, 1)
	return nil
}

// notifications are the agents' notifications of a run, as a desktop
// waits for them: when each referenceId first arrived (each change goes
// to the integration subject too; a referenceId counts once).
type notifications struct {
	nc       *nats.Conn
	sub      *nats.Subscription
	want     int
	mu       sync.Mutex
	received map[int64]time.Time
	all      chan struct{}
}

func listen(natsURL, prefix string, want int) (*notifications, error) {
	nc, err := nats.Connect(natsURL)
	if err != nil {
		return nil, err
	}
	n := &notifications{nc: nc, want: want, received: make(map[int64]time.Time, want), all: make(chan struct{})}
	if n.sub, err = nc.Subscribe(gws.NewSubjects(prefix).AllUsers(), n.receive); err == nil {
		err = nc.Flush()
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return n, nil
}

func (n *notifications) receive(m *nats.Msg) {
	now := time.Now()
	var body gws.Notification
	if json.Unmarshal(m.Data, &body) != nil || body.ReferenceID == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, seen := n.received[body.ReferenceID]; seen {
		return
	}
	n.received[body.ReferenceID] = now
	if len(n.received) == n.want {
		close(n.all)
	}
}

func (n *notifications) wait(timeout time.Duration) error {
	select {
	case <-n.all:
		return nil
	case <-time.After(timeout):
		n.mu.Lock()
		defer n.mu.Unlock()
		return fmt.Errorf("%d of %d notifications arrived", len(n.received), n.want)
	}
}

// latencies are the times from each change's commit to its notification.
func (n *notifications) latencies(committed map[int64]time.Time) []time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]time.Duration, 0, len(committed))
	for ref, t0 := range committed {
		if t1, ok := n.received[ref]; ok {
			out = append(out, max(0, t1.Sub(t0)))
		}
	}
	slices.Sort(out)
	return out
}

func (n *notifications) close() {
	_ = n.sub.Unsubscribe()
	n.nc.Close()
}

// startService runs fbsessiond as a child process (or in-process without
// a binary) and waits until it is ready.
func startService(ctx context.Context, cfg Config, svc *config.Config) (stop func(), pid int, err error) {
	base := "http://" + svc.HTTPAddr
	if cfg.Daemon == "" {
		dctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- daemon.Run(dctx, svc, cfg.Log, nil) }()
		stop = func() { cancel(); <-done }
		pid = os.Getpid()
	} else {
		cmd := exec.CommandContext(ctx, cfg.Daemon)
		cmd.Env = append(os.Environ(),
			"DATABASE_URL="+svc.DatabaseURL, "NATS_URL="+svc.NATSURL, "FBSESSION_HTTP_ADDR="+svc.HTTPAddr,
			"FBSESSION_SUBJECT_PREFIX="+svc.SubjectPrefix, "FBSESSION_STREAM="+svc.Stream,
			"FBSESSION_PPROF_ADDR="+svc.PprofAddr, "FBSESSION_ADMIN_ADDR=", "FBSESSION_LOG_LEVEL=warn", "FBSESSION_DUPLICATE_WINDOW=1m", "FBSESSION_STREAM_RETENTION=1h",
			// The cost the passwords were hashed at: at another, the first
			// login of each agent hashes theirs again, at that cost,
			// holding the one check slot of a 2-core host; the logins then
			// queue for it past its wait and are answered 429.
			"FBSESSION_BCRYPT_COST="+strconv.Itoa(svc.BcryptCost))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, 0, fmt.Errorf("start %s: %w", cfg.Daemon, err)
		}
		stop = func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
		pid = cmd.Process.Pid
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return stop, pid, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, 0, errors.New("fbsessiond did not become ready")
		}
	}
}

// addUsers adds the integration user "router" and the agents a0, a1...
// with the api-multimedia feature: 50, or the routing mode's number.
func addUsers(ctx context.Context, svc *config.Config, cfg Config) error {
	b, err := backend.Open(ctx, svc, cfg.Log)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Users.Add(ctx, users.User{ID: "router", UserName: "router", Roles: []users.Role{users.RoleIntegration}}, password); err != nil {
		return err
	}
	for i := 0; i < agentCount(cfg); i++ {
		id := "a" + strconv.Itoa(i)
		if err := b.Users.Add(ctx, users.User{ID: id, UserName: id, Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}}, password); err != nil {
			return err
		}
	}
	return nil
}

// agentCount is how many agents a run adds: the routing mode's, else 50.
func agentCount(cfg Config) int {
	if cfg.Routing.Agents > 0 {
		return cfg.Routing.Agents
	}
	return agents
}

// The sessions the bench can create.
const (
	SessionSeed  = "seed"
	SessionSmall = "small"
)

// smallIntake is the 0.3 KB session the bench created before it took the
// seed's.
const smallIntake = `{"id":"x","agentId":"a0","state":"Chatting","userData":{"FirstName":"Vitaliy","LastName":"Onv","_facebookPMThreadNMessages":"101"},"participants":[{"nickname":"VitaliyOnv","type":"Customer","id":"007355E6EDFA0107","visibility":"All","participantId":"007355E6EDFA0107"}]}`

// intakeBody returns the intake body of session s<i> for agent
// a<i % agents>: the chosen session, handed over already joined so that
// the timed phase is Completes alone.
func intakeBody(session string) (func(i int) (string, error), error) {
	body, err := intakeTemplate(session)
	if err != nil {
		return nil, err
	}
	body["state"] = json.RawMessage(`"Chatting"`)
	return func(i int) (string, error) {
		body["id"] = json.RawMessage(strconv.Quote("s" + strconv.Itoa(i)))
		body["agentId"] = json.RawMessage(strconv.Quote("a" + strconv.Itoa(i%agents)))
		b, err := json.Marshal(body)
		return string(b), err
	}, nil
}

// intakeTemplate is the chosen session's intake body, as fields.
func intakeTemplate(session string) (map[string]json.RawMessage, error) {
	var template []byte
	switch session {
	case "", SessionSeed:
		template = seedfixtures.IntakeSeed()
	case SessionSmall:
		template = []byte(smallIntake)
	default:
		return nil, fmt.Errorf("bench: session %q: want %s or %s", session, SessionSeed, SessionSmall)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(template, &body); err != nil {
		return nil, fmt.Errorf("bench: intake body: %w", err)
	}
	return body, nil
}

// intake creates the sessions, s<i> for agent a<i % agents>, from 16
// clients; not measured.
func intake(ctx context.Context, client *http.Client, base func(i int) string, n int, session string) error {
	bodyOf, err := intakeBody(session)
	if err != nil {
		return err
	}
	var mu sync.Mutex // bodyOf reuses one map
	return fanOut(n, 16, func(i int) error {
		mu.Lock()
		body, err := bodyOf(i)
		mu.Unlock()
		if err != nil {
			return err
		}
		status, err := post(ctx, client, base(i)+"/api/v2/facebooksessions", "router", body)
		if err == nil && status != http.StatusCreated {
			err = fmt.Errorf("intake s%d: HTTP %d", i, status)
		}
		return err
	})
}

// complete completes every session from the given number of clients and
// returns each request's latency, the failures and the elapsed time.
func complete(ctx context.Context, client *http.Client, base func(i int) string, n, clients int) ([]time.Duration, int, time.Duration) {
	latencies := make([]time.Duration, n)
	var errs atomic.Int64
	start := time.Now()
	_ = fanOut(n, clients, func(i int) error {
		t0 := time.Now()
		status, err := post(ctx, client, fmt.Sprintf("%s/api/v2/me/facebooksessions/s%d", base(i), i), "a"+strconv.Itoa(i%agents), `{"operationName":"Complete"}`)
		latencies[i] = time.Since(t0)
		if err != nil || status != http.StatusOK {
			errs.Add(1)
		}
		return nil
	})
	return latencies, int(errs.Load()), time.Since(start)
}

// roundRobin spreads sessions over the daemons: session i, its intake
// and its Complete, go to bases[i % len(bases)].
func roundRobin(bases []string) func(i int) string {
	return func(i int) string { return bases[i%len(bases)] }
}

func post(ctx context.Context, client *http.Client, url, user, body string) (int, error) {
	status, _, err := postAnswer(ctx, client, url, user, body)
	return status, err
}

// postAnswer is post that also returns the start of the answer's body
// when its status is not 2xx, to tell why.
func postAnswer(ctx context.Context, client *http.Client, url, user, body string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.SetBasicAuth(user, password)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var answer []byte
	if res.StatusCode/100 != 2 {
		answer, _ = io.ReadAll(io.LimitReader(res.Body, 512))
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, string(answer), nil
}

// fanOut calls f(0..n-1) from the given number of goroutines.
func fanOut(n, workers int, f func(i int) error) error {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				if err := f(int(i)); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// commitTimes reads when each Complete's events were recorded (stamped just
// before their commit), by referenceId, and one Complete's rows.
func commitTimes(ctx context.Context, dbURL string) (map[int64]time.Time, [2]eventRow, error) {
	var rows [2]eventRow
	conn, err := connect(ctx, dbURL)
	if err != nil {
		return nil, rows, err
	}
	defer conn.Close(ctx)
	res, err := conn.Query(ctx, `SELECT (metadata::json->>'referenceId')::bigint, recorded_at FROM events WHERE event_type = 'InteractionCompleted'`)
	if err != nil {
		return nil, rows, err
	}
	out := map[int64]time.Time{}
	for res.Next() {
		var ref int64
		var at time.Time
		if err := res.Scan(&ref, &at); err != nil {
			return nil, rows, err
		}
		out[ref] = at
	}
	if res.Err() != nil {
		return nil, rows, res.Err()
	}
	for i, typ := range []string{"SessionEnded", "InteractionCompleted"} {
		err := conn.QueryRow(ctx, `SELECT event_type, data::text::bytea, metadata::text::bytea FROM events WHERE event_type = $1 LIMIT 1`, typ).
			Scan(&rows[i].Type, &rows[i].Data, &rows[i].Metadata)
		if err != nil {
			return nil, rows, err
		}
	}
	return out, rows, nil
}

// fetchProfile writes the service's CPU profile of the next seconds.
func fetchProfile(ctx context.Context, addr string, seconds int, path string) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(seconds, 1))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", url, res.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return ms(sorted[min(len(sorted)-1, int(p*float64(len(sorted))))])
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:18999"
	}
	defer l.Close()
	return l.Addr().String()
}
