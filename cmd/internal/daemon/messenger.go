package daemon

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/messenger/graph"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/inbox"
	"github.com/fbsession/fbsession/projections/relay"
	transport "github.com/fbsession/fbsession/transport/messenger"
)

// InboxName is the inbox processor's checkpoint and lease; RelayName the
// relay's.
const (
	InboxName = "messenger-inbox"
	RelayName = "messenger-relay"
)

// messengerWebhook is the Messenger webhook's handler; nil when the
// connector is off (the paths are then 404).
func messengerWebhook(cfg *config.Config, b *backend.Backend, reg prometheus.Registerer, log *slog.Logger) (http.Handler, error) {
	m := &cfg.Messenger
	if !m.On() {
		return nil, nil
	}
	if len(m.AppSecret) == 0 {
		log.Error("FBSESSION_MESSENGER_APP_SECRET is not set: every Messenger delivery is refused (403) until it is")
	}
	if m.VerifyToken == "" {
		log.Warn("FBSESSION_MESSENGER_VERIFY_TOKEN is not set: Meta's webhook verification is refused (403)")
	}
	return transport.New(transport.Config{Store: b.Store, AppSecret: m.AppSecret, VerifyToken: m.VerifyToken,
		Metrics: transport.NewMetrics(reg), Logger: log})
}

// inboxRunner carries out the stored deliveries; a no-op when the
// connector is off.
type inboxRunner struct {
	stopRun context.CancelFunc
	done    chan struct{}
	// relay is nil when the connector is off.
	relay *relay.Relay
}

// degraded adds the Pages' channels to /readyz's degraded checks.
func (r *inboxRunner) degraded(checks map[string]func(context.Context) error) map[string]func(context.Context) error {
	if r == nil || r.relay == nil {
		return checks
	}
	if checks == nil {
		checks = map[string]func(context.Context) error{}
	}
	h := r.relay.Health()
	checks["messenger"] = func(context.Context) error { return h.Check() }
	return checks
}

func startInbox(cfg *config.Config, b *backend.Backend, h *handlers, reg prometheus.Registerer, log *slog.Logger) (*inboxRunner, error) {
	r := &inboxRunner{done: make(chan struct{})}
	if !cfg.Messenger.On() {
		close(r.done)
		r.stopRun = func() {}
		return r, nil
	}
	x, err := inbox.New(inbox.Config{Store: b.Store, Sessions: h.sessions, Pages: cfg.Messenger.Pages,
		Profiles: graph.New(cfg.Messenger.GraphURL), Metrics: inbox.NewMetrics(reg), Logger: log})
	if err != nil {
		return nil, err
	}
	runner, err := projections.NewRunner(projections.RunnerConfig{Name: InboxName, Store: b.Store, Projector: x, Logger: log})
	if err != nil {
		return nil, err
	}
	client := graph.New(cfg.Messenger.GraphURL)
	r.relay, err = relay.New(relay.Config{Store: b.Store, Sessions: h.sessions, Pages: cfg.Messenger.Pages, Graph: client,
		Grace: cfg.Messenger.RelayGrace, Metrics: relay.NewMetrics(reg), Logger: log})
	if err != nil {
		return nil, err
	}
	relays, err := projections.NewRunner(projections.RunnerConfig{Name: RelayName, Store: b.Store, Projector: r.relay, Logger: log})
	if err != nil {
		return nil, err
	}
	// Stopped with the process: what they have not carried out waits in
	// the log for the next holder of their lease.
	ctx, cancel := context.WithCancel(context.Background())
	r.stopRun = cancel
	inboxDone := make(chan struct{})
	go func() {
		defer close(inboxDone)
		_ = runner.Run(ctx)
	}()
	go func() {
		defer close(r.done)
		_ = relays.Run(ctx)
		<-inboxDone
	}()
	log.Info("messenger connector on", "pages", len(cfg.Messenger.Pages), "graph", cfg.Messenger.GraphURL)
	return r, nil
}

func (r *inboxRunner) stop() {
	r.stopRun()
	<-r.done
}
