package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz tells that the process serves HTTP.
func (a *API) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// Readiness of the instance and of each check, in /readyz's answer.
const (
	readyOK          = "ok"
	readyDegraded    = "degraded"
	readyUnavailable = "unavailable"
)

// readyz tells whether the store and NATS can be reached and the store
// takes writes, and whether the degraded checks pass. It answers without
// login, so it says only "ok", "degraded" or "unavailable": a driver's
// error names the database's host, port and user, and goes to the log
// instead. A degraded check leaves the answer 200: the instance still
// serves its clients, and an orchestrator that restarted it for a broken
// checkpoint stream would only interrupt them.
func (a *API) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	overall := readyOK
	report := func(name string, err error, failed string) {
		checks[name] = readyOK
		if err != nil {
			checks[name] = failed
			if overall != readyUnavailable {
				overall = failed
			}
		}
		a.readiness.observe(ctx, a.cfg.Logger, name, err)
	}
	for name, check := range a.cfg.Ready {
		report(name, check(ctx), readyUnavailable)
	}
	report(storeWritesCheck, a.writes.check(), readyUnavailable)
	for name, check := range a.cfg.Degraded {
		report(name, check(ctx), readyDegraded)
	}
	checks["status"] = overall
	status := http.StatusOK
	if overall == readyUnavailable {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, checks)
}

// readiness remembers which checks failed at the last probe, so that the
// log tells when a check fails and when it recovers, not once per probe: a
// load balancer polling every second would flood it.
type readiness struct {
	mu      sync.Mutex
	failing map[string]bool // by check name; absent is ok
}

// observe logs err if the check was ok until now, and its recovery if it
// was failing. Every check starts ok, so a failure at start is logged.
func (r *readiness) observe(ctx context.Context, log *slog.Logger, name string, err error) {
	// Logged under the lock, so that concurrent probes log the changes in
	// the order they were recorded.
	r.mu.Lock()
	defer r.mu.Unlock()
	was := r.failing[name]
	switch {
	case err != nil && !was:
		r.failing[name] = true
		log.LogAttrs(ctx, slog.LevelWarn, "not ready", slog.String("check", name), slog.Any("err", err))
	case err == nil && was:
		delete(r.failing, name)
		log.LogAttrs(ctx, slog.LevelInfo, "ready again", slog.String("check", name))
	}
}
