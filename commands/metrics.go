package commands

import "github.com/prometheus/client_golang/prometheus"

// metrics count the races the decide-append loop loses. A nil *metrics
// records nothing.
type metrics struct {
	conflicts *prometheus.CounterVec
	retries   *prometheus.CounterVec
}

// WithMetrics registers a service's counters with reg: append conflicts
// (another command on the session appended first) and the retries they
// cause. Conflicts minus retries are the commands that gave up after
// MaxAttempts.
func WithMetrics(reg prometheus.Registerer) Option {
	return func(c *config) {
		m := &metrics{
			conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "fbsession_append_conflicts_total",
				Help: "Appends refused because the session's stream had moved on (optimistic concurrency), by operation.",
			}, []string{"operation"}),
			retries: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "fbsession_command_retries_total",
				Help: "Commands decided again after an append conflict, by operation.",
			}, []string{"operation"}),
		}
		// The operations are a closed set: every series exists from the
		// start, at zero.
		for _, op := range Operations() {
			m.conflicts.WithLabelValues(op)
			m.retries.WithLabelValues(op)
		}
		reg.MustRegister(m.conflicts, m.retries)
		c.metrics = m
	}
}

// conflict counts an append conflict of operation op, and the retry it
// causes when retried.
func (m *metrics) conflict(op string, retried bool) {
	if m == nil {
		return
	}
	m.conflicts.WithLabelValues(op).Inc()
	if retried {
		m.retries.WithLabelValues(op).Inc()
	}
}
