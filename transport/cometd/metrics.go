package cometd

import "github.com/prometheus/client_golang/prometheus"

// Reasons a client is removed, the label of fbsession_cometd_clients_removed_total.
const (
	reasonDisconnect = "disconnect"
	reasonExpired    = "expired"
	reasonOverflow   = "overflow"
	reasonShutdown   = "shutdown"
)

type metrics struct {
	clients    prometheus.Gauge
	websockets prometheus.Gauge
	delivered  prometheus.Counter
	received   prometheus.Counter
	removed    *prometheus.CounterVec
	refused    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		clients: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fbsession_cometd_clients",
			Help: "CometD clients held: handshaken, not yet disconnected, expired or dropped.",
		}),
		websockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fbsession_cometd_websockets",
			Help: "Open CometD websocket connections.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_cometd_messages_delivered_total",
			Help: "Notifications written to CometD clients (one per client).",
		}),
		received: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_cometd_notifications_received_total",
			Help: "Notifications received from NATS for users with a subscribed CometD client.",
		}),
		removed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_cometd_clients_removed_total",
			Help: "CometD clients removed, by reason: disconnect, expired, overflow (queue full, messages dropped), shutdown.",
		}, []string{"reason"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_cometd_refused_total",
			Help: "CometD messages refused, by reason: credentials, throttled, permission, unavailable, user_limit, total_limit, unknown_client.",
		}, []string{"reason"}),
	}
	for _, r := range []string{reasonDisconnect, reasonExpired, reasonOverflow, reasonShutdown} {
		m.removed.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.clients, m.websockets, m.delivered, m.received, m.removed, m.refused)
	}
	return m
}
