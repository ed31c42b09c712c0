package notifier

import "github.com/prometheus/client_golang/prometheus"

// Metrics count the notifications published and those that failed. A nil
// *Metrics records nothing.
type Metrics struct {
	published       prometheus.Counter
	publishFailures prometheus.Counter
}

// NewMetrics registers the notifier metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_notifications_published_total",
			Help: "Notification messages (to the agents and to the integration side) JetStream acknowledged as stored (re-publishes it dropped as duplicates excluded).",
		}),
		publishFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_notification_publish_failures_total",
			Help: "Notification messages JetStream refused or did not acknowledge in time, or held back behind their session's failed one; their page is retried.",
		}),
	}
	reg.MustRegister(m.published, m.publishFailures)
	return m
}

// notified counts the notifications JetStream acknowledged.
func (m *Metrics) notified(n int) {
	if m == nil || n == 0 {
		return
	}
	m.published.Add(float64(n))
}

// notifyFailed counts notifications that were not stored.
func (m *Metrics) notifyFailed(n int) {
	if m == nil || n == 0 {
		return
	}
	m.publishFailures.Add(float64(n))
}
