package router

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the router's series. A nil *Metrics records nothing.
type Metrics struct {
	reg        prometheus.Registerer
	offers     *prometheus.CounterVec
	timeouts   *prometheus.CounterVec
	failures   *prometheus.CounterVec
	unread     prometheus.Counter
	queuedWait *prometheus.HistogramVec
	leader     prometheus.Gauge
}

// NewMetrics registers the router's series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reg: reg,
		offers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_routing_offers_total", Help: "Sessions this process's router offered to an agent, by queue.",
		}, []string{"queue"}),
		timeouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_routing_offer_timeouts_total", Help: "Offers this process's router took back because their agent let them time out, by queue.",
		}, []string{"queue"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fbsession_routing_command_failures_total", Help: "Router commands not appended: moved (the session changed first; harmless) or error (retried).",
		}, []string{"reason"}),
		unread: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_routing_unreadable_events_total", Help: "Events of the log the router could not read and skipped.",
		}),
		queuedWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fbsession_routing_queued_to_offered_seconds", Help: "Time from a session's place in its queue to its offer, by queue.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900},
		}, []string{"queue"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fbsession_routing_leader", Help: "1 while this process holds the router's lease and decides.",
		}),
	}
	reg.MustRegister(m.offers, m.timeouts, m.failures, m.unread, m.queuedWait, m.leader)
	return m
}

func (m *Metrics) offered(queue string, waited time.Duration) {
	if m == nil {
		return
	}
	m.offers.WithLabelValues(queue).Inc()
	m.queuedWait.WithLabelValues(queue).Observe(max(0, waited.Seconds()))
}

// known gives each configured queue its series at 0, so that a rate or a
// quantile has something to start from before the first offer.
func (m *Metrics) known(queues []string) {
	if m == nil {
		return
	}
	for _, q := range queues {
		m.offers.WithLabelValues(q)
		m.timeouts.WithLabelValues(q)
		m.queuedWait.WithLabelValues(q)
	}
}

func (m *Metrics) timedOut(queue string) {
	if m != nil {
		m.timeouts.WithLabelValues(queue).Inc()
	}
}

func (m *Metrics) failed(reason string) {
	if m != nil {
		m.failures.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) unreadable() {
	if m != nil {
		m.unread.Inc()
	}
}

func (m *Metrics) leading(on bool) {
	if m == nil {
		return
	}
	if on {
		m.leader.Set(1)
	} else {
		m.leader.Set(0)
	}
}

// watch registers the per-queue gauges, read from r's board at each
// scrape, labelled by the configured queues only.
func (m *Metrics) watch(r *Router) {
	if m != nil {
		m.reg.MustRegister(boardCollector{r: r})
	}
}

var (
	waitingDesc = prometheus.NewDesc("fbsession_routing_waiting", "Sessions waiting in the queue.", []string{"queue"}, nil)
	oldestDesc  = prometheus.NewDesc("fbsession_routing_oldest_wait_seconds", "How long the queue's oldest session has waited.", []string{"queue"}, nil)
	readyDesc   = prometheus.NewDesc("fbsession_routing_agents_ready", "Members of the queue Ready on facebooksession.", []string{"queue"}, nil)
	busyDesc    = prometheus.NewDesc("fbsession_routing_agents_busy", "Members of the queue holding a session, offered or chatting.", []string{"queue"}, nil)
)

type boardCollector struct{ r *Router }

func (c boardCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- waitingDesc
	ch <- oldestDesc
	ch <- readyDesc
	ch <- busyDesc
}

func (c boardCollector) Collect(ch chan<- prometheus.Metric) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	now := c.r.cfg.Now()
	for _, q := range c.r.board.Queues() {
		f := c.r.board.Figures(q, now)
		ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(f.Waiting), q)
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, f.OldestWait.Seconds(), q)
		ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, float64(f.AgentsReady), q)
		ch <- prometheus.MustNewConstMetric(busyDesc, prometheus.GaugeValue, float64(f.AgentsBusy), q)
	}
}
