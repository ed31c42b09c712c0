package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// NewWithAdmin returns the Echo server of the API and that of the admin
// address: /healthz, /readyz and /metrics (when cfg.Registry is set), and
// extra, by path prefix (the profiles). The admin server is meant for a
// listener of its own, which a flood of API connections cannot fill, so
// that the orchestrator and Prometheus still see the instance. Both
// answer /readyz alike: the admin's store_writes follows the API's writes.
func NewWithAdmin(cfg Config, extra map[string]http.Handler) (api, admin *echo.Echo) {
	a, api := newAPI(cfg)
	admin = echo.New()
	admin.HideBanner, admin.HidePort = true, true
	admin.HTTPErrorHandler = errorHandler(a.cfg.Logger)
	admin.Use(middleware.Recover())
	admin.Use(requestLogger(a.cfg.Logger))
	admin.GET("/healthz", a.healthz)
	admin.GET("/readyz", a.readyz)
	if a.cfg.Registry != nil {
		admin.GET("/metrics", metricsHandler(a.cfg.Registry))
	}
	for prefix, h := range extra {
		admin.Any(prefix+"*", echo.WrapHandler(h))
	}
	return api, admin
}
