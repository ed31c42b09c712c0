package inbox

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of an inbox item.
const (
	OutcomeStarted     = "started"      // a new session, queued
	OutcomeAppended    = "appended"     // a CustomerMessage on the thread's open session
	OutcomeDuplicate   = "duplicate"    // already carried out (a redelivered mid, a page projected again)
	OutcomeRecorded    = "recorded"     // kept in the log by its delivery only
	OutcomeRefused     = "refused"      // the command side refused it (empty, too long): counted and logged
	OutcomeUnknownPage = "unknown_page" // a Page not configured
	OutcomeConfirmed   = "confirmed"    // an echo recorded the outcome of the relay's send
)

// Metrics count the items by kind and outcome.
type Metrics struct {
	items *prometheus.CounterVec
}

// NewMetrics registers the inbox's metrics in reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{items: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fbsession_messenger_inbox_items_total",
		Help: "Messenger webhook items the inbox carried out, by kind (message, postback, echo, read, delivery, standby, other) and outcome (started, appended, confirmed, duplicate, recorded, refused, unknown_page).",
	}, []string{"kind", "outcome"})}
	if reg != nil {
		reg.MustRegister(m.items)
	}
	return m
}

func (m *Metrics) count(kind, outcome string) {
	if m != nil {
		m.items.WithLabelValues(kind, outcome).Inc()
	}
}
