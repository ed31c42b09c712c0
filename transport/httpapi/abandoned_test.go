package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// A request whose client went away while it ran is logged below ERROR and
// recorded as 499 and as a canceled operation, not as an internal error;
// one that timed out is still the service's 503.
func TestAbandonedRequestIs499(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	reg := prometheus.NewRegistry()
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(log)
	routes := map[string]bool{"/api/v2/facebooksessions": true}
	e.Use(instrument(reg, func() map[string]bool { return routes }))
	var cancelClient context.CancelFunc
	e.POST("/api/v2/facebooksessions", func(c echo.Context) error {
		if c.Request().Header.Get("X-Test") == "leave" {
			cancelClient() // the client goes away while the store works
		} else {
			<-c.Request().Context().Done()
		}
		return fmt.Errorf("append: %w", c.Request().Context().Err())
	}, deadline(50*time.Millisecond, time.Second))

	ctx, cancel := context.WithCancel(context.Background())
	cancelClient = cancel
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v2/facebooksessions", strings.NewReader(`{}`))
	req.Header.Set("X-Test", "leave")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	require.Equal(t, statusClientClosedRequest, rec.Code)
	require.Empty(t, logs.String(), "nothing logged at Info or above")

	req = httptest.NewRequest(http.MethodPost, "/api/v2/facebooksessions", strings.NewReader(`{}`))
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, "a timeout is the service's")
	require.Contains(t, logs.String(), `"level":"ERROR"`)

	require.Equal(t, map[string]float64{"intake/4": 1, "intake/canceled": 1}, counted(t, reg, "fbsession_operations_total", "operation", "status_code"))
	require.Equal(t, map[string]float64{"499": 1, "503": 1}, counted(t, reg, "fbsession_http_request_duration_seconds", "status"))
}

// counted is the non-zero series of a counter, or the sample counts of a
// histogram, keyed by the values of labels joined with "/".
func counted(t *testing.T, reg *prometheus.Registry, name string, labels ...string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			v := m.GetCounter().GetValue()
			if m.GetHistogram() != nil {
				v = float64(m.GetHistogram().GetSampleCount())
			}
			if v == 0 {
				continue
			}
			var key []string
			for _, l := range labels {
				for _, lp := range m.GetLabel() {
					if lp.GetName() == l {
						key = append(key, lp.GetValue())
					}
				}
			}
			out[strings.Join(key, "/")] = v
		}
	}
	return out
}
