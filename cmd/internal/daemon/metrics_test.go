package daemon_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dashboardFile is the Grafana dashboard docker-compose.yml provisions.
var dashboardFile = filepath.Join("..", "..", "..", "deploy", "grafana", "dashboards", "fbsession.json")

// A running fbsessiond's /metrics passes `promtool check metrics`, and
// every metric the Grafana dashboard queries is in it: renaming a metric
// breaks this test, not the dashboard in production.
func TestMetricsLintCleanAndDashboardMatches(t *testing.T) {
	t.Parallel()
	metrics := scrapeRunningDaemon(t)

	t.Run("promtool", func(t *testing.T) {
		promtool, err := exec.LookPath("promtool")
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("promtool is not on PATH: CI must lint the metrics (apt-get install prometheus)")
			}
			t.Skip("promtool is not on PATH")
		}
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(metrics)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool check metrics:\n%s", out)
		require.Empty(t, strings.TrimSpace(string(out)))
	})

	t.Run("dashboard", func(t *testing.T) {
		exprs := dashboardQueries(t)
		require.NotEmpty(t, exprs)
		scraped := map[string]bool{}
		for _, line := range strings.Split(string(metrics), "\n") {
			if name, _, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
				name, _, _ = strings.Cut(name, "{")
				scraped[name] = true
			}
		}
		names := regexp.MustCompile(`\bfbsession_[a-z0-9_]+`)
		queried := map[string]bool{}
		for _, expr := range exprs {
			used := names.FindAllString(expr, -1)
			require.NotEmpty(t, used, "%q queries no fbsession metric", expr)
			for _, name := range used {
				queried[name] = true
				require.True(t, scraped[name], "%s, queried by the dashboard (%q), is not in /metrics", name, expr)
			}
		}
		for _, name := range routingSeries {
			require.True(t, queried[name], "the dashboard's Routing row queries no %s", name)
		}
	})
}

// routingSeries are the router's series the dashboard's Routing row
// shows: waiting and oldest wait, agents Ready and busy, offers and
// timeouts, queued-to-offered latency, and which instance leads.
var routingSeries = []string{
	"fbsession_routing_waiting",
	"fbsession_routing_oldest_wait_seconds",
	"fbsession_routing_agents_ready",
	"fbsession_routing_agents_busy",
	"fbsession_routing_offers_total",
	"fbsession_routing_offer_timeouts_total",
	"fbsession_routing_queued_to_offered_seconds_bucket",
	"fbsession_routing_leader",
}

// scrapeRunningDaemon starts fbsessiond on the embedded store and NATS,
// makes it serve a few requests, and returns its /metrics once every
// labelled series the dashboard needs has a sample.
func scrapeRunningDaemon(t *testing.T) []byte {
	t.Helper()
	s := startService(t, testConfig(t, ""), discardLogger())
	base := s.base
	// A queue: the router's series are labelled by the configured ones.
	s.cli("", "", "queues", "add", "Sales")
	// A failed authentication on an operation: the latency histogram, the
	// operation counter and the auth failures all get a sample.
	res, err := http.Post(base+"/api/v2/facebooksessions", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)

	var metrics []byte
	require.Eventually(t, func() bool {
		res, err := http.Get(base + "/metrics")
		require.NoError(t, err)
		defer res.Body.Close()
		metrics, err = io.ReadAll(res.Body)
		require.NoError(t, err)
		return bytes.Contains(metrics, []byte(`fbsession_routing_waiting{queue="Sales"}`)) &&
			bytes.Contains(metrics, []byte(`fbsession_projector_lag_seconds{projector="notifier"}`)) &&
			bytes.Contains(metrics, []byte(`fbsession_projector_lag_events{projector="notifier"}`))
	}, 10*time.Second, 20*time.Millisecond)
	return metrics
}

// dashboardQueries are the PromQL expressions of the dashboard's panels
// (rows' panels included) and template variables.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	require.NoError(t, err)
	type panel struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var d struct {
		UID        string            `json:"uid"`
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	require.NotEmpty(t, d.UID, "provisioned dashboards need a stable uid")
	var exprs []string
	var walk func([]json.RawMessage)
	walk = func(panels []json.RawMessage) {
		for _, r := range panels {
			var p panel
			require.NoError(t, json.Unmarshal(r, &p))
			for _, target := range p.Targets {
				require.NotEmpty(t, target.Expr, "panel %q has a target without expr", p.Title)
				exprs = append(exprs, target.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if q, ok := v.Query.(string); ok && v.Type == "query" {
			exprs = append(exprs, q)
		}
	}
	return exprs
}
