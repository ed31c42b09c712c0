package bench

// TestScalingCometD measures what CometD costs one fbsessiond (a child
// process): its resident memory with 1,000 long-polling clients held,
// and the latency from a Complete's request to its notification at a
// CometD client, beside the same at a NATS subscriber, at a steady rate.
// Like the other scaling tests it runs only when asked:
//
//	go build -o /tmp/bin/ ./cmd/fbsessiond
//	FBSESSION_SCALING_DAEMON=/tmp/bin/fbsessiond \
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/fbsession_test \
//	  go test -v -run TestScalingCometD -timeout 10m ./cmd/internal/bench/
//
// FBSESSION_SCALING_COMETD_CLIENTS (1000), FBSESSION_SCALING_RATE (100
// Completes a second) and FBSESSION_SCALING_SECONDS (20) change the run.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestScalingCometD(t *testing.T) {
	clients := envInt("FBSESSION_SCALING_COMETD_CLIENTS", 1000)
	rate := envInt("FBSESSION_SCALING_RATE", 100)
	seconds := envInt("FBSESSION_SCALING_SECONDS", 20)
	// The agents are few (50): let each hold its share of the clients.
	t.Setenv("FBSESSION_COMETD_CLIENTS_PER_USER", strconv.Itoa(clients/agents+1))
	s, d := setupScaling(t, rate*seconds+rate)
	base := d.base
	idle := rssMB(d.pid)

	lp := &longPollers{base: base, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients + 100}},
		arrived: map[int64][]time.Time{}, sessions: map[int64]string{}}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	var wg sync.WaitGroup
	ready := make(chan error, clients)
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lp.run(ctx, "a"+strconv.Itoa(i%agents), ready)
		}()
	}
	for range clients {
		require.NoError(t, <-ready)
	}
	t.Logf("%d CometD clients handshaken and subscribed in %s", clients, time.Since(start).Round(time.Millisecond))
	time.Sleep(3 * time.Second) // every client's connect held
	held := rssMB(d.pid)
	t.Logf("fbsessiond resident memory: %.1f MB before, %.1f MB with %d long-polling clients held (%.1f KB a client); fbsession_cometd_clients %s",
		idle, held, clients, (held-idle)*1024/float64(clients), metricValue(base, "fbsession_cometd_clients"))

	lctx, stop := context.WithTimeout(ctx, time.Duration(seconds)*time.Second)
	s.completeAt(lctx, rate, rate*seconds+rate)
	stop()
	time.Sleep(2 * time.Second) // the last ones arrive
	s.mu.Lock()
	lp.mu.Lock()
	var viaNATS, viaCometD []time.Duration
	for ref, sent := range s.answered {
		if at, ok := s.arrived[ref]; ok {
			viaNATS = append(viaNATS, at.Sub(sent))
		}
		for _, at := range lp.arrived[ref] {
			viaCometD = append(viaCometD, at.Sub(sent))
		}
	}
	answered := len(s.answered)
	// Every notification reached the NATS subscriber and each CometD
	// client of its agent (session s<i> is agent a<i % agents>'s).
	perAgent := map[int]int{}
	for i := range clients {
		perAgent[i%agents]++
	}
	var missing []string
	for ref := range s.answered {
		if _, ok := s.arrived[ref]; !ok {
			missing = append(missing, fmt.Sprintf("%d: not at the NATS subscriber", ref))
		}
		session, ok := lp.sessions[ref]
		if !ok {
			missing = append(missing, fmt.Sprintf("%d: at no CometD client", ref))
			continue
		}
		i, err := strconv.Atoi(strings.TrimPrefix(session, "s"))
		require.NoError(t, err, session)
		if want, got := perAgent[i%agents], len(lp.arrived[ref]); got != want {
			missing = append(missing, fmt.Sprintf("%d: at %d of its agent's %d CometD clients", ref, got, want))
		}
	}
	lp.mu.Unlock()
	s.mu.Unlock()
	t.Logf("%d Completes at %d/s: to the NATS subscriber %s (%d); to the CometD clients %s (%d deliveries, %d expected); peak RSS %.1f MB; errors %d",
		answered, rate, quantiles(viaNATS), len(viaNATS), quantiles(viaCometD),
		len(viaCometD), answered*clients/agents, peakRSSMB(d.pid), s.errs.Load())
	require.Empty(t, missing, "notifications missing")
	require.Equal(t, answered, len(viaNATS))
	cancel()
	wg.Wait()
}

// longPollers are CometD clients speaking long-polling as the CometD
// library does, recording when each notification arrives.
type longPollers struct {
	base   string
	client *http.Client

	mu       sync.Mutex
	arrived  map[int64][]time.Time // referenceId → arrival at each client
	sessions map[int64]string      // referenceId → its session
}

func (lp *longPollers) run(ctx context.Context, user string, ready chan<- error) {
	var h []struct {
		ClientID   string `json:"clientId"`
		Successful bool   `json:"successful"`
		Error      string `json:"error"`
	}
	if err := lp.post(ctx, user, `[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]`, &h); err != nil || len(h) != 1 || !h[0].Successful {
		ready <- fmt.Errorf("handshake of %s: %v %+v", user, err, h)
		return
	}
	id := h[0].ClientID
	var r []json.RawMessage
	err := lp.post(ctx, user, fmt.Sprintf(`[{"channel":"/meta/subscribe","clientId":%q,"subscription":"/v2/me/facebooksession"},{"channel":"/meta/connect","clientId":%q,"connectionType":"long-polling","advice":{"timeout":0}}]`, id, id), &r)
	ready <- err
	if err != nil {
		return
	}
	connect := fmt.Sprintf(`[{"channel":"/meta/connect","clientId":%q,"connectionType":"long-polling"}]`, id)
	seen := map[int64]bool{} // a change may send several messages: its first counts
	for ctx.Err() == nil {
		var msgs []struct {
			Channel string `json:"channel"`
			Data    struct {
				ReferenceID     int64 `json:"referenceId"`
				Facebooksession struct {
					ID string `json:"id"`
				} `json:"facebooksession"`
			} `json:"data"`
		}
		if err := lp.post(ctx, user, connect, &msgs); err != nil {
			return
		}
		now := time.Now()
		lp.mu.Lock()
		for _, m := range msgs {
			if m.Channel == "/v2/me/facebooksession" && m.Data.ReferenceID != 0 && !seen[m.Data.ReferenceID] {
				seen[m.Data.ReferenceID] = true
				lp.arrived[m.Data.ReferenceID] = append(lp.arrived[m.Data.ReferenceID], now)
				lp.sessions[m.Data.ReferenceID] = m.Data.Facebooksession.ID
			}
		}
		lp.mu.Unlock()
	}
}

func (lp *longPollers) post(ctx context.Context, user, body string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, lp.base+"/api/v2/notifications", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(user, password)
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	res, err := lp.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(into)
}

// rssMB is a process's resident set now (VmRSS), in MB.
func rssMB(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func metricValue(base, name string) string {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return "?"
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return "?"
}

// quantiles are p50 and p99 of ds, in ms.
func quantiles(ds []time.Duration) string {
	slices.Sort(ds)
	return fmt.Sprintf("p50 %.1f ms p99 %.1f ms", pct(ds, 0.50), pct(ds, 0.99))
}
