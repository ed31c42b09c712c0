package projections

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fbsession/fbsession/eventstore"
)

// Metrics are the runners' Prometheus metrics, labelled by projector. A
// nil *Metrics records nothing.
type Metrics struct {
	// headAt limits the head query behind lag_events to once a second.
	mu     sync.Mutex
	headAt map[string]time.Time

	position   *prometheus.GaugeVec
	lagEvents  *prometheus.GaugeVec
	lagSeconds *prometheus.GaugeVec
	errors     *prometheus.CounterVec
}

// NewMetrics registers the runner metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		headAt: map[string]time.Time{},
		position: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "fbsession_projector_position", Help: "Global position of the last event the projector handled.",
		}, []string{"projector"}),
		lagEvents: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "fbsession_projector_lag_events", Help: "Highest global position minus the projector's position.",
		}, []string{"projector"}),
		lagSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "fbsession_projector_lag_seconds", Help: "Age of the last event handled while behind; 0 when caught up.",
		}, []string{"projector"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_projector_errors_total", Help: "Pages that failed to project (publish errors) and were retried.",
		}, []string{"projector"}),
	}
	reg.MustRegister(m.position, m.lagEvents, m.lagSeconds, m.errors)
	return m
}

func (m *Metrics) progressed(ctx context.Context, name string, s eventstore.Store, last *eventstore.RecordedEvent) {
	if m == nil {
		return
	}
	m.position.WithLabelValues(name).Set(float64(last.Position))
	m.lagSeconds.WithLabelValues(name).Set(time.Since(last.RecordedAt).Seconds())
	m.lag(ctx, name, s, last.Position)
}

func (m *Metrics) lag(ctx context.Context, name string, s eventstore.Store, position int64) {
	m.mu.Lock()
	due := time.Since(m.headAt[name]) >= time.Second
	if due {
		m.headAt[name] = time.Now()
	}
	m.mu.Unlock()
	if !due {
		return
	}
	if head, err := s.Head(ctx); err == nil {
		m.lagEvents.WithLabelValues(name).Set(float64(max(head-position, 0)))
	}
}

func (m *Metrics) caughtUp(ctx context.Context, name string, s eventstore.Store, c eventstore.Cursor) {
	if m == nil {
		return
	}
	m.lagSeconds.WithLabelValues(name).Set(0)
	// The errors series shows from the first catch-up, at 0, so that a rate
	// of it needs no absent().
	m.errors.WithLabelValues(name)
	m.lag(ctx, name, s, c.Position)
}

func (m *Metrics) failed(name string) {
	if m == nil {
		return
	}
	m.errors.WithLabelValues(name).Inc()
}
