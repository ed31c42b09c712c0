package bench

// The measurements of docs/SCALING.md that fbsessionbench does not make:
// how long the projector's lease takes to move when its holder is
// SIGKILLed, and how fast notifications catch up after a NATS outage. They
// start fbsessiond binaries and a NATS server of their own, so they run
// only when asked:
//
//	go build -o /tmp/bin/ ./cmd/fbsessiond
//	FBSESSION_SCALING_DAEMON=/tmp/bin/fbsessiond \
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/fbsession_test \
//	  go test -v -run 'TestScaling' -timeout 20m ./cmd/internal/bench/
//
// FBSESSION_SCALING_NATS_SERVER names the nats-server binary
// (/usr/sbin/nats-server by default); FBSESSION_SCALING_KILLS and
// FBSESSION_SCALING_OUTAGE shorten the runs.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/gws"
)

type scaling struct {
	t      *testing.T
	ctx    context.Context
	cfg    Config
	svc    config.Config
	client *http.Client

	mu       sync.Mutex
	arrived  map[int64]time.Time // referenceId → first arrival at the subscriber
	answered map[int64]time.Time // referenceId → when its Complete was sent
	sent     atomic.Int64
	errs     atomic.Int64
	target   atomic.Pointer[string]
}

func setupScaling(t *testing.T, sessions int) (*scaling, daemonProc) {
	bin, dbURL := os.Getenv("FBSESSION_SCALING_DAEMON"), os.Getenv("TEST_DATABASE_URL")
	if bin == "" || dbURL == "" {
		t.Skip("set FBSESSION_SCALING_DAEMON (an fbsessiond binary) and TEST_DATABASE_URL")
	}
	natsURL := startNATS(t, t.TempDir(), freeAddr())
	ctx := t.Context()
	schemaURL, drop, err := newSchema(ctx, dbURL, unique("scaling_"))
	require.NoError(t, err)
	t.Cleanup(drop)
	s := &scaling{
		t: t, ctx: ctx,
		cfg: Config{Daemon: bin, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		svc: config.Config{
			DatabaseURL: schemaURL, NATSURL: natsURL, SubjectPrefix: unique("scaling") + ".gws.v2",
			Stream: strings.ToUpper(unique("SCALING_")), Retention: time.Hour, DuplicateWindow: time.Minute,
			LogLevel: "warn", LogFormat: "text", BcryptCost: bcrypt.MinCost,
		},
		client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second},
		arrived:  map[int64]time.Time{},
		answered: map[int64]time.Time{},
	}
	first := s.startDaemon()
	require.NoError(t, addUsers(ctx, &s.svc, s.cfg))
	start := time.Now()
	require.NoError(t, intake(ctx, s.client, func(int) string { return first.base }, sessions, SessionSmall))
	t.Logf("intake of %d sessions: %s", sessions, time.Since(start).Round(time.Millisecond))
	s.warm(first.base)

	nc, err := nats.Connect(natsURL, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	_, err = nc.Subscribe(s.svc.SubjectPrefix+".users.>", func(m *nats.Msg) { // the agents'; the integration copies follow
		now := time.Now()
		var n gws.Notification
		if json.Unmarshal(m.Data, &n) != nil || n.ReferenceID == 0 {
			return
		}
		s.mu.Lock()
		if _, ok := s.arrived[n.ReferenceID]; !ok {
			s.arrived[n.ReferenceID] = now
		}
		s.mu.Unlock()
	})
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	s.target.Store(&first.base)
	return s, first
}

type daemonProc struct {
	base string
	pid  int
	stop func()
}

func (s *scaling) startDaemon() daemonProc {
	svc := s.svc
	svc.HTTPAddr = freeAddr()
	stop, pid, err := startService(s.ctx, s.cfg, &svc)
	require.NoError(s.t, err)
	s.t.Cleanup(stop)
	return daemonProc{base: "http://" + svc.HTTPAddr, pid: pid, stop: stop}
}

// warm pays each agent's bcrypt check on a daemon.
func (s *scaling) warm(base string) {
	require.NoError(s.t, fanOut(agents, 8, func(i int) error {
		req, _ := http.NewRequestWithContext(s.ctx, http.MethodGet, base+"/api/v2/me", nil)
		req.SetBasicAuth("a"+strconv.Itoa(i), password)
		res, err := s.client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}))
}

// completeAt completes sessions s0, s1, ... at about perSecond, on
// whichever daemon s.target names, until ctx ends or the sessions run out.
func (s *scaling) completeAt(ctx context.Context, perSecond, sessions int) {
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	for i := 0; i < sessions; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t0 := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
			fmt.Sprintf("%s/api/v2/me/facebooksessions/s%d", *s.target.Load(), i), strings.NewReader(`{"operationName":"Complete"}`))
		req.SetBasicAuth("a"+strconv.Itoa(i%agents), password)
		req.Header.Set("Content-Type", "application/json")
		s.sent.Add(1)
		res, err := s.client.Do(req)
		if err != nil {
			s.errs.Add(1)
			continue
		}
		var body struct {
			ReferenceID int64 `json:"referenceId"`
		}
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			s.errs.Add(1)
			continue
		}
		s.mu.Lock()
		s.answered[body.ReferenceID] = t0
		s.mu.Unlock()
	}
	s.t.Error("ran out of sessions")
}

// published reads a daemon's fbsession_notifications_published_total.
func published(base string) float64 {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "fbsession_notifications_published_total "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return -1
}

// TestScalingLeaseTakeover SIGKILLs the fbsessiond holding the projector's
// lease while Completes go on through the other one, and measures the time
// from the kill to the first notification of a Complete sent after it (so
// published by the new holder). A new standby replaces each killed holder.
func TestScalingLeaseTakeover(t *testing.T) {
	kills := envInt("FBSESSION_SCALING_KILLS", 10)
	const rate = 200
	s, first := setupScaling(t, 12000)
	conn, err := connect(s.ctx, s.svc.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	// The backend holding the notifier's lease (eventstore/postgres leaseSQL).
	holderSQL := `WITH k AS (SELECT hashtextextended('fbsession/lease/' || current_schema() || '/notifier', 0) AS key)
		SELECT coalesce((SELECT l.pid FROM pg_locks l, k WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
			AND l.classid::bigint = (k.key >> 32) & 4294967295 AND l.objid::bigint = k.key & 4294967295
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())), 0)`
	leaseBackend := func() int {
		var pid int
		require.NoError(t, conn.QueryRow(s.ctx, holderSQL).Scan(&pid))
		return pid
	}
	second := s.startDaemon()
	s.warm(second.base)
	daemons := []daemonProc{first, second}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	go s.completeAt(ctx, rate, 12000)

	var takeovers, released, retaken []time.Duration
	for k := 0; k < kills; k++ {
		// Which one publishes?
		time.Sleep(300 * time.Millisecond)
		p0 := []float64{published(daemons[0].base), published(daemons[1].base)}
		time.Sleep(700 * time.Millisecond)
		holder := -1
		for i, d := range daemons {
			if published(d.base) > p0[i] {
				holder = i
			}
		}
		require.NotEqual(t, -1, holder, "no daemon publishes")
		standby := daemons[1-holder]
		s.target.Store(&standby.base)
		time.Sleep(500 * time.Millisecond)

		pid := daemons[holder].pid
		// Kill at a random point of the standby's 1 s lease retry cycle.
		time.Sleep(time.Duration(rand.Int64N(int64(time.Second))))
		backend := leaseBackend()
		require.NotZero(t, backend, "nobody holds the lease")
		killed := time.Now()
		require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
		var free, again time.Duration
		for deadline := killed.Add(60 * time.Second); again == 0; {
			require.True(t, time.Now().Before(deadline), "lease not taken again within 60 s")
			b := leaseBackend()
			if b != backend && free == 0 {
				free = time.Since(killed)
			}
			if b != backend && b != 0 {
				again = time.Since(killed)
			}
		}
		released, retaken = append(released, free), append(retaken, again)
		var took time.Duration
		for deadline := killed.Add(60 * time.Second); took == 0; time.Sleep(5 * time.Millisecond) {
			require.True(t, time.Now().Before(deadline), "no notification within 60 s of the kill")
			s.mu.Lock()
			for ref, at := range s.arrived {
				if sentAt, ok := s.answered[ref]; ok && sentAt.After(killed) && (took == 0 || at.Sub(killed) < took) {
					took = at.Sub(killed)
				}
			}
			s.mu.Unlock()
		}
		takeovers = append(takeovers, took)
		t.Logf("kill %d: pid %d; lease released after %s, taken by the standby after %s, its first notification after %s",
			k+1, pid, free.Round(100*time.Microsecond), again.Round(time.Millisecond), took.Round(time.Millisecond))
		fresh := s.startDaemon()
		s.warm(fresh.base)
		daemons = []daemonProc{standby, fresh}
	}
	cancel()
	for _, d := range [][]time.Duration{takeovers, released, retaken} {
		slices.Sort(d)
	}
	t.Logf("lease released (backend gone): p50 %s, max %s; taken again: p50 %s, max %s",
		released[len(released)/2], released[len(released)-1], retaken[len(retaken)/2].Round(time.Millisecond), retaken[len(retaken)-1].Round(time.Millisecond))
	t.Logf("take-over over %d kills: p50 %s, max %s, min %s; all %v; Complete errors %d of %d",
		len(takeovers), takeovers[len(takeovers)/2].Round(time.Millisecond), takeovers[len(takeovers)-1].Round(time.Millisecond),
		takeovers[0].Round(time.Millisecond), takeovers, s.errs.Load(), s.sent.Load())
}

// TestScalingNATSOutage stops the NATS server for a minute while Completes
// go on, restarts it, and measures how fast the backlog of notifications
// arrives.
func TestScalingNATSOutage(t *testing.T) {
	outage := time.Duration(envInt("FBSESSION_SCALING_OUTAGE", 60)) * time.Second
	const rate = 300
	sessions := rate * (int(outage/time.Second) + 60)
	s, _ := setupScaling(t, sessions)
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	go s.completeAt(ctx, rate, sessions)
	time.Sleep(5 * time.Second)

	stopNATS, restartNATS := natsControl(t)
	stopped := time.Now()
	stopNATS()
	s.mu.Lock()
	before := len(s.arrived)
	s.mu.Unlock()
	time.Sleep(outage)
	s.mu.Lock()
	backlog := map[int64]bool{}
	for ref := range s.answered {
		if _, ok := s.arrived[ref]; !ok {
			backlog[ref] = true
		}
	}
	s.mu.Unlock()
	busy0, total0 := hostCPU()
	restarted := time.Now()
	restartNATS()
	t.Logf("NATS down %s; %d notifications before, %d Completes answered since without one", restarted.Sub(stopped).Round(time.Millisecond), before, len(backlog))

	var first, last time.Time
	for deadline := restarted.Add(5 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "not caught up within 5 minutes")
		s.mu.Lock()
		missing := 0
		first, last = time.Time{}, time.Time{}
		for ref := range backlog {
			at, ok := s.arrived[ref]
			if !ok {
				missing++
				continue
			}
			if first.IsZero() || at.Before(first) {
				first = at
			}
			if at.After(last) {
				last = at
			}
		}
		s.mu.Unlock()
		if missing == 0 {
			break
		}
	}
	busy1, total1 := hostCPU()
	s.mu.Lock()
	during := 0
	for _, at := range s.arrived {
		if !at.Before(first) && !at.After(last) {
			during++
		}
	}
	s.mu.Unlock()
	drain := last.Sub(first)
	t.Logf("first notification %s after the restart; backlog of %d caught up %s after the restart; "+
		"%d notifications in %s from the first to the last of the backlog = %.0f/s (Completes went on at %d/s); host CPU busy %.0f%%; Complete errors %d of %d",
		first.Sub(restarted).Round(time.Millisecond), len(backlog), last.Sub(restarted).Round(time.Millisecond),
		during, drain.Round(time.Millisecond), float64(during)/drain.Seconds(), rate, 100*(busy1-busy0)/(total1-total0), s.errs.Load(), s.sent.Load())
}

var natsProc struct {
	sync.Mutex
	cmd  *exec.Cmd
	args []string
}

// startNATS runs a private nats-server with JetStream on addr, storing in
// dir, and returns its URL.
func startNATS(t *testing.T, dir, addr string) string {
	host, port, _ := strings.Cut(addr, ":")
	bin := os.Getenv("FBSESSION_SCALING_NATS_SERVER")
	if bin == "" {
		bin = "/usr/sbin/nats-server"
	}
	natsProc.args = []string{bin, "-a", host, "-p", port, "-js", "-sd", dir}
	runNATS(t)
	t.Cleanup(func() {
		natsProc.Lock()
		defer natsProc.Unlock()
		if natsProc.cmd != nil {
			_ = natsProc.cmd.Process.Signal(syscall.SIGTERM)
			_ = natsProc.cmd.Wait()
			natsProc.cmd = nil
		}
	})
	return "nats://" + addr
}

func runNATS(t *testing.T) {
	natsProc.Lock()
	defer natsProc.Unlock()
	cmd := exec.Command(natsProc.args[0], natsProc.args[1:]...)
	require.NoError(t, cmd.Start())
	natsProc.cmd = cmd
	url := "nats://" + natsProc.args[2] + ":" + natsProc.args[4]
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if nc, err := nats.Connect(url); err == nil {
			nc.Close()
			return
		}
		require.True(t, time.Now().Before(deadline), "nats-server did not start")
	}
}

func natsControl(t *testing.T) (stop, restart func()) {
	stop = func() {
		natsProc.Lock()
		defer natsProc.Unlock()
		_ = natsProc.cmd.Process.Signal(syscall.SIGTERM)
		_ = natsProc.cmd.Wait()
		natsProc.cmd = nil
	}
	return stop, func() { runNATS(t) }
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
