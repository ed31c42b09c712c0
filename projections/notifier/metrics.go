package notifier

import "github.com/prometheus/client_golang/prometheus"

// Metrics count the notifications published and those that failed, and
// tell whether their message ids are keyed. A nil *Metrics records
// nothing.
type Metrics struct {
	published       prometheus.Counter
	publishFailures prometheus.Counter
	msgIDKeyed      prometheus.Gauge
	duplicates      prometheus.Counter
	differing       prometheus.Counter
	// After a failover (rewind.go).
	rewinds, lostChanges, checkFailures, resyncs prometheus.Counter
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
		msgIDKeyed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fbsession_notification_msgid_keyed",
			Help: "1 when the notifications' Nats-Msg-Id are keyed (FBSESSION_MSGID_KEY, or the in-process server's key); 0 when they are predictable, and any client allowed to publish on the stream's subjects can have a notification dropped as a duplicate.",
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_notification_duplicates_total",
			Help: "Notification messages JetStream dropped as duplicates of one stored under their Nats-Msg-Id within its duplicate window: re-publishes after a restart or a retried page.",
		}),
		differing: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_notification_duplicates_differing_total",
			Help: "Duplicates whose stored message differs in subject or body: a notification never stored (a fake published first under its id, or another encoding of the change). Logged; should stay 0.",
		}),
	}
	m.rewinds = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "fbsession_failover_rewinds_total",
		Help: "Checks, each time the notifier takes its lease, that found the log gone back under what the notification stream holds: changes notified and then lost, as an asynchronous failover loses them (docs/HA.md).",
	})
	m.lostChanges = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "fbsession_failover_lost_changes_total",
		Help: "Changes the notification stream holds and the log does not (lost in a failover after they were notified), each logged and corrected by a resync StatusChange; counted once per process that finds them uncorrected.",
	})
	m.checkFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "fbsession_failover_check_failures_total",
		Help: "Checks of the notification stream against the log that could not run (NATS or the store failing, a consumer refused); notifications wait for the check, up to its patience.",
	})
	m.resyncs = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "fbsession_failover_resyncs_published_total",
		Help: "Corrective StatusChange messages (\"resync\": true) published for sessions whose notified changes were lost.",
	})
	reg.MustRegister(m.published, m.publishFailures, m.msgIDKeyed, m.duplicates, m.differing, m.rewinds, m.lostChanges, m.checkFailures, m.resyncs)
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

// keyed records whether the message ids are keyed.
func (m *Metrics) keyed(k bool) {
	if m == nil {
		return
	}
	v := 0.0
	if k {
		v = 1
	}
	m.msgIDKeyed.Set(v)
}

// duplicated counts a message dropped as a duplicate.
func (m *Metrics) duplicated() {
	if m == nil {
		return
	}
	m.duplicates.Inc()
}

// duplicateDiffers counts a duplicate whose stored message differs.
func (m *Metrics) duplicateDiffers() {
	if m == nil {
		return
	}
	m.differing.Inc()
}

// rewound counts a check that found n lost changes.
func (m *Metrics) rewound(n int) {
	if m == nil || n == 0 {
		return
	}
	m.rewinds.Inc()
	m.lostChanges.Add(float64(n))
}

// checkFailed counts a check that could not run.
func (m *Metrics) checkFailed() {
	if m == nil {
		return
	}
	m.checkFailures.Inc()
}

// resynced counts corrective messages published.
func (m *Metrics) resynced(n int) {
	if m == nil {
		return
	}
	m.resyncs.Add(float64(n))
}
