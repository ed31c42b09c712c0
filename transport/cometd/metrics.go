package cometd

import "github.com/prometheus/client_golang/prometheus"

// Reasons a client is removed, the label of fbsession_cometd_clients_removed_total.
const (
	reasonDisconnect = "disconnect"
	reasonExpired    = "expired"
	reasonOverflow   = "overflow"
	reasonShutdown   = "shutdown"
	// reasonBudget: the process's budget of queued bytes was spent.
	reasonBudget = "budget"
	// reasonNATS: notifications may have been lost on the way from NATS
	// (a reconnect, or the user's subscription dropped some).
	reasonNATS = "nats"
	// reasonLost: the write of messages already taken from the client's
	// queue failed; the client handshakes again and its desktop re-reads.
	reasonLost = "lost"
)

type metrics struct {
	clients    prometheus.Gauge
	websockets prometheus.Gauge
	held       prometheus.Gauge
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
		held: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fbsession_cometd_connects_held",
			Help: "CometD /meta/connects held, waiting for a message or their timeout.",
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
			Help: "CometD clients removed, by reason: disconnect, expired, overflow (queue full, messages dropped), budget (the process's queued bytes at their limit), nats (notifications lost on the way from NATS), lost (messages taken for a write that failed), permission (the user lost the role or feature a subscribed channel needs), shutdown.",
		}, []string{"reason"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_cometd_refused_total",
			Help: "CometD messages refused, by reason: credentials, throttled, permission, unavailable, user_limit, total_limit, unknown_client, websocket_user_limit, websocket_total_limit.",
		}, []string{"reason"}),
	}
	for _, r := range []string{reasonDisconnect, reasonExpired, reasonOverflow, reasonBudget, reasonNATS, reasonLost, reasonPermission, reasonShutdown} {
		m.removed.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.clients, m.websockets, m.held, m.delivered, m.received, m.removed, m.refused)
	}
	return m
}
