package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz tells that the process serves HTTP.
func (a *API) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz tells whether the store and NATS can be reached and the store
// takes writes. It answers without login, so it says only "ok" or
// "unavailable": a driver's error names the database's host, port and user,
// and goes to the log instead.
func (a *API) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	status := http.StatusOK
	report := func(name string, err error) {
		checks[name] = "ok"
		if err != nil {
			checks[name] = "unavailable"
			status = http.StatusServiceUnavailable
			a.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "not ready", slog.String("check", name), slog.Any("err", err))
		}
	}
	for name, check := range a.cfg.Ready {
		report(name, check(ctx))
	}
	report(storeWritesCheck, a.writes.check())
	return c.JSON(status, checks)
}
