package relay

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a message the relay met.
const (
	OutcomeRelayed       = "relayed"       // sent; MessageRelayed recorded
	OutcomeUndeliverable = "undeliverable" // MessageUndeliverable recorded
	OutcomeConfirmed     = "confirmed"     // a send a crash left unrecorded, confirmed by its echo
	OutcomeDone          = "done"          // recorded already (a page projected again)
)

// Metrics are the relay's.
type Metrics struct {
	sends   *prometheus.CounterVec
	retries *prometheus.CounterVec
	actions *prometheus.CounterVec
	lag     prometheus.Histogram
	pageUp  *prometheus.GaugeVec
}

// NewMetrics registers the relay's metrics in reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_messenger_relay_sends_total",
			Help: "Agents' messages the relay met, by outcome (relayed, undeliverable, confirmed by an echo, done before).",
		}, []string{"outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_messenger_relay_retries_total",
			Help: "Send API calls the relay retried, by reason (rate_limit, server, network, token).",
		}, []string{"reason"}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_messenger_sender_actions_total",
			Help: "Sender actions (typing_on, typing_off, mark_seen) the relay sent, by outcome (sent, failed, stale).",
		}, []string{"action", "outcome"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "fbsession_messenger_relay_lag_seconds",
			Help:    "From an agent's message recorded to its outcome recorded by the relay.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 3600},
		}),
		pageUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "fbsession_messenger_page_up",
			Help: "1 when the Page's channel works, 0 while the Send API refuses its token (190): its replies wait.",
		}, []string{"page"}),
	}
	if reg != nil {
		reg.MustRegister(m.sends, m.retries, m.actions, m.lag, m.pageUp)
	}
	return m
}

func (m *Metrics) sent(outcome string) {
	if m != nil {
		m.sends.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) retry(reason string) {
	if m != nil {
		m.retries.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) action(action, outcome string) {
	if m != nil {
		m.actions.WithLabelValues(action, outcome).Inc()
	}
}

func (m *Metrics) lagged(d time.Duration) {
	if m != nil {
		m.lag.Observe(d.Seconds())
	}
}

func (m *Metrics) page(id string, up bool) {
	if m != nil {
		v := 0.0
		if up {
			v = 1
		}
		m.pageUp.WithLabelValues(id).Set(v)
	}
}
