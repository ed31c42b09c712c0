package websession

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	// unknown counts the cookies presented that named no live session:
	// a flood of made-up ones shows here.
	unknown prometheus.Counter
	// throttled counts the issues and lookups refused by the limits.
	throttled *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) metrics {
	m := metrics{
		unknown: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_web_session_unknown_cookies_total",
			Help: "Session cookies presented that named no live browser session (made up, expired, ended, or of a changed user).",
		}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_web_session_throttled_total",
			Help: "Browser session issues (per user) and cookie lookups (per address, after unknown cookies) refused by their limits.",
		}, []string{"what"}),
	}
	if reg != nil {
		reg.MustRegister(m.unknown, m.throttled)
	}
	return m
}
