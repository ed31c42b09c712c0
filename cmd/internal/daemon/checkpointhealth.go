package daemon

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// errCheckpointsFailing is what /readyz's checkpoints check fails with;
// the cause is in the log, where the checkpointer wrote it.
var errCheckpointsFailing = errors.New("the last checkpoint failed")

// checkpointHealth shows how the last checkpoint went beyond the log: on
// /readyz (degraded, see httpapi.Config.Degraded) and in the metrics. A
// failing checkpoint leaves the API serving, but the audit trail has a gap
// an operator must close (a NATS user without permission on the
// checkpoint stream, a log that does not verify).
type checkpointHealth struct {
	healthy, lastSuccess prometheus.Gauge
	failures             prometheus.Counter

	mu      sync.Mutex
	enabled bool
	failing bool
}

// newCheckpointHealth registers the metrics whether or not checkpoints
// are configured, so that a dashboard's queries find them; without
// checkpoints, healthy stays 1.
func newCheckpointHealth(reg prometheus.Registerer) *checkpointHealth {
	h := &checkpointHealth{
		healthy: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fbsession_checkpoint_healthy",
			Help: "1 unless the last signed checkpoint of the log failed to be made or published (also 1 when checkpoints are off).",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fbsession_checkpoint_last_success_timestamp_seconds",
			Help: "When this process last published a checkpoint, or found none due; 0 before the first.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_checkpoint_failures_total",
			Help: "Checkpoint rounds that failed; the cause is in the log.",
		}),
	}
	h.healthy.Set(1)
	reg.MustRegister(h.healthy, h.lastSuccess, h.failures)
	return h
}

// enable makes check part of /readyz: checkpoints are configured.
func (h *checkpointHealth) enable() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.enabled = true
}

// observe is the checkpointer's Observe.
func (h *checkpointHealth) observe(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failing = err != nil
	if err != nil {
		h.healthy.Set(0)
		h.failures.Inc()
		return
	}
	h.healthy.Set(1)
	h.lastSuccess.Set(float64(time.Now().UnixNano()) / 1e9)
}

// checks is what /readyz reports degraded on: the checkpoints, when they
// are configured.
func (h *checkpointHealth) checks() map[string]func(context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.enabled {
		return nil
	}
	return map[string]func(context.Context) error{"checkpoints": h.check}
}

func (h *checkpointHealth) check(context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failing {
		return errCheckpointsFailing
	}
	return nil
}
