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
	prefix := unique("bench") + ".gws.v2"
	svc := config.Config{
		DatabaseURL: dbURL, NATSURL: cfg.NATSURL, HTTPAddr: freeAddr(), SubjectPrefix: prefix,
		Stream: strings.ToUpper(unique("BENCH_")), Retention: time.Hour, DuplicateWindow: time.Minute,
		// Each agent's password is checked once, before timing: the lowest
		// cost only shortens the set-up (minutes under the race detector).
		LogLevel: "warn", LogFormat: "text", BcryptCost: bcrypt.MinCost,
	}
	if cfg.CPUProfile != "" {
		svc.PprofAddr = freeAddr()
	}
	// The daemons share the schema; each listens on its own address.
	var (
		bases []string
		pids  []int
	)
	for d := 0; d < r.Daemons; d++ {
		if d > 0 {
			svc.HTTPAddr, svc.PprofAddr = freeAddr(), ""
		}
		stop, pid, err := startService(ctx, cfg, &svc)
		if err != nil {
			return r, rows, err
		}
		defer stop()
		bases, pids = append(bases, "http://"+svc.HTTPAddr), append(pids, pid)
		if d == 0 {
			if err := addUsers(ctx, &svc, cfg); err != nil {
				return r, rows, err
			}
		}
	}
	pid := pids[0]
	base := roundRobin(bases)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: max(clients, 16), MaxConnsPerHost: max(clients, 16)}, Timeout: 30 * time.Second}

	if err := intake(ctx, client, base, cfg.Sessions, cfg.Session); err != nil {
		return r, rows, err
	}
	// Each agent's first request pays one bcrypt check, once per process:
	// a desktop logs in once, then works for hours. Pay it before timing.
	if err := fanOut(agents*len(bases), 16, func(i int) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, bases[i/agents]+"/api/v2/me", nil)
		req.SetBasicAuth("a"+strconv.Itoa(i%agents), password)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}); err != nil {
		return r, rows, err
	}
	nc, err := nats.Connect(cfg.NATSURL)
	if err != nil {
		return r, rows, err
	}
	defer nc.Close()
	var (
		mu       sync.Mutex
		received = make(map[int64]time.Time, cfg.Sessions)
		all      = make(chan struct{})
	)
	// The agents' notifications: what a desktop waits for. Each change
	// goes to the integration subject too; a referenceId counts once.
	sub, err := nc.Subscribe(gws.NewSubjects(prefix).AllUsers(), func(m *nats.Msg) {
		now := time.Now()
		var n gws.Notification
		if json.Unmarshal(m.Data, &n) != nil || n.ReferenceID == 0 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if _, seen := received[n.ReferenceID]; seen {
			return
		}
		received[n.ReferenceID] = now
		if len(received) == cfg.Sessions {
			close(all)
		}
	})
	if err != nil {
		return r, rows, err
	}
	defer sub.Unsubscribe() //nolint:errcheck
	if err := nc.Flush(); err != nil {
		return r, rows, err
	}

	profiled := make(chan error, 1)
	if cfg.CPUProfile != "" {
		go func() {
			profiled <- fetchProfile(ctx, svc.PprofAddr, cfg.ProfileSeconds, fmt.Sprintf("%s-c%d.pprof", cfg.CPUProfile, clients))
		}()
	} else {
		profiled <- nil
	}
	cpu0, db0, wal0 := sumCPUSeconds(pids), commandCPUSeconds("postgres"), walBytes(ctx, dbURL)
	nats0, client0 := commandCPUSeconds("nats-server"), cpuSeconds(os.Getpid())
	busy0, total0 := hostCPU()
	latencies, errs, elapsed := complete(ctx, client, base, cfg.Sessions, clients)
	busy1, total1 := hostCPU()
	if total1 > total0 {
		r.HostCPUBusy = (busy1 - busy0) / (total1 - total0)
	}
	r.Errors = errs
	r.CPUSeconds = sumCPUSeconds(pids) - cpu0
	r.CPUPerComplete = r.CPUSeconds * 1000 / float64(cfg.Sessions)
	r.DBCPUPerComplete = (commandCPUSeconds("postgres") - db0) * 1000 / float64(cfg.Sessions)
	r.WALKBPerComplete = perUnitKB(wal0, walBytes(ctx, dbURL), cfg.Sessions)
	r.NATSCPUPerComplete = (commandCPUSeconds("nats-server") - nats0) * 1000 / float64(cfg.Sessions)
	if pid != os.Getpid() { // in-process, the client's CPU is the service's
		r.ClientCPUPerComplete = (cpuSeconds(os.Getpid()) - client0) * 1000 / float64(cfg.Sessions)
	}
	if err := <-profiled; err != nil {
		return r, rows, fmt.Errorf("cpu profile: %w", err)
	}
	r.CompletesPerSec = float64(cfg.Sessions-errs) / elapsed.Seconds()
	slices.Sort(latencies)
	r.P50ms, r.P95ms, r.P99ms, r.MaxMs = pct(latencies, .5), pct(latencies, .95), pct(latencies, .99), pct(latencies, 1)
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		return r, rows, fmt.Errorf("%d of %d notifications arrived", len(received), cfg.Sessions)
	}
	for _, p := range pids {
		r.PeakRSSMB = max(r.PeakRSSMB, peakRSSMB(p))
	}

	committed, rows, err := commitTimes(ctx, dbURL)
	if err != nil {
		return r, rows, err
	}
	mu.Lock()
	notify := make([]time.Duration, 0, len(committed))
	for ref, t0 := range committed {
		if t1, ok := received[ref]; ok {
			notify = append(notify, max(0, t1.Sub(t0)))
		}
	}
	mu.Unlock()
	slices.Sort(notify)
	r.NotifyP50ms, r.NotifyP99ms = pct(notify, .5), pct(notify, .99)
	return r, rows, nil
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
			"FBSESSION_PPROF_ADDR="+svc.PprofAddr, "FBSESSION_ADMIN_ADDR=", "FBSESSION_LOG_LEVEL=warn", "FBSESSION_DUPLICATE_WINDOW=1m", "FBSESSION_STREAM_RETENTION=1h")
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

func addUsers(ctx context.Context, svc *config.Config, cfg Config) error {
	b, err := backend.Open(ctx, svc, cfg.Log)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Users.Add(ctx, users.User{ID: "router", UserName: "router", Roles: []users.Role{users.RoleIntegration}}, password); err != nil {
		return err
	}
	for i := 0; i < agents; i++ {
		id := "a" + strconv.Itoa(i)
		if err := b.Users.Add(ctx, users.User{ID: id, UserName: id, Roles: []users.Role{users.RoleAgent}, Features: []string{users.FeatureMultimedia}}, password); err != nil {
			return err
		}
	}
	return nil
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
	body["state"] = json.RawMessage(`"Chatting"`)
	return func(i int) (string, error) {
		body["id"] = json.RawMessage(strconv.Quote("s" + strconv.Itoa(i)))
		body["agentId"] = json.RawMessage(strconv.Quote("a" + strconv.Itoa(i%agents)))
		b, err := json.Marshal(body)
		return string(b), err
	}, nil
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(user, password)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
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
