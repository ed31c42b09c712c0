package messenger

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of a POSTed delivery.
const (
	OutcomeStored    = "stored"    // signed and recorded: 200
	OutcomeRefused   = "refused"   // signed, not a Messenger delivery, recorded as refused: 200
	OutcomeForbidden = "forbidden" // unsigned, forged, or no secret configured: 403, nothing recorded
	OutcomeTooLarge  = "too_large" // over the body limit: 413, nothing recorded
	OutcomeFailed    = "failed"    // the store failed: 503, Meta delivers again
)

// Metrics count the deliveries by outcome.
type Metrics struct {
	deliveries *prometheus.CounterVec
}

// NewMetrics registers the webhook's metrics in reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fbsession_messenger_deliveries_total",
		Help: "Messenger webhook deliveries POSTed, by outcome: stored, refused (signed but not a Messenger delivery), forbidden (no valid signature, or no app secret), too_large, failed (store error, 503).",
	}, []string{"outcome"})}
	for _, o := range []string{OutcomeStored, OutcomeRefused, OutcomeForbidden, OutcomeTooLarge, OutcomeFailed} {
		m.deliveries.WithLabelValues(o)
	}
	if reg != nil {
		reg.MustRegister(m.deliveries)
	}
	return m
}

func (m *Metrics) count(outcome string) {
	if m != nil {
		m.deliveries.WithLabelValues(outcome).Inc()
	}
}
