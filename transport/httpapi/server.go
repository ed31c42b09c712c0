package httpapi

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/users"
)

// maxBody is the largest request body accepted (64 KiB).
const maxBody = 64 << 10

// Config holds the API's dependencies and settings.
type Config struct {
	Commands *commands.Handler
	// Sessions reads the sessions' views for GETs.
	Sessions *sessionview.Reader
	Auth     *users.Authenticator
	// BaseURL prefixes every resource uri, e.g. "http://localhost:8080".
	BaseURL string
	// Ready checks what /readyz reports on, by name (the store, NATS).
	Ready map[string]func(context.Context) error
	// Registry, when set, receives the HTTP metrics and is served at
	// /metrics with everything else registered in it.
	Registry *prometheus.Registry
	// RequestTimeout bounds each API request's work, so that an unreachable
	// database yields a quick 503 instead of a hung request. Default 1.5s.
	RequestTimeout time.Duration
	// NewID generates intake ids when the body has none.
	NewID  func() string
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.NewID == nil {
		c.NewID = randomID
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 1500 * time.Millisecond
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
}

// API serves the REST API.
type API struct {
	cfg    Config
	writes *writeHealth
}

// New returns the Echo server of the API.
func New(cfg Config) *echo.Echo {
	cfg.setDefaults()
	a := &API{cfg: cfg, writes: &writeHealth{now: time.Now}}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(cfg.Logger)
	routes := map[string]bool{}
	e.Use(middleware.Recover())
	e.Use(requestID())
	e.Use(requestLogger(cfg.Logger))
	if cfg.Registry != nil {
		e.Use(instrument(cfg.Registry, func() map[string]bool { return routes }))
		e.GET("/metrics", metricsHandler(cfg.Registry))
	}
	e.Use(healthOnly)
	e.Use(middleware.BodyLimit("64K"))
	e.Use(requireJSON)

	e.GET("/healthz", a.healthz)
	e.GET("/readyz", a.readyz)
	e.GET("/api/v2/openapi.yaml", serveOpenAPI)

	api := e.Group("/api/v2", deadline(cfg.RequestTimeout), a.writes.trackWrites, a.authenticate)
	api.GET("/me", a.me)
	api.GET("/me/facebooksessions", a.listMine, a.requireFeature)
	for _, p := range []string{"/me/facebooksessions/:id", "/me/facebooksession/:id"} {
		api.GET(p, a.getMine, a.requireFeature)
		api.POST(p, a.operate, a.requireFeature)
	}
	api.GET("/facebooksessions/:id", a.get, a.requireFeature)
	api.POST("/facebooksessions", a.intake, a.requireRole(users.RoleIntegration))
	// Filled before the first request, read-only after.
	for _, r := range e.Routes() {
		routes[r.Path] = true
	}
	return e
}

// deadline gives the request's context a timeout, and the reading of its
// body the same: a client that sends the headers and then trickles the body
// is cut off instead of holding a connection and a goroutine.
func deadline(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			err := http.NewResponseController(c.Response()).SetReadDeadline(time.Now().Add(d))
			if err != nil && !errors.Is(err, http.ErrNotSupported) {
				return err
			}
			return next(c)
		}
	}
}

// randomID is 16 characters of [A-Za-z0-9], like GWS interaction ids.
func randomID() string { return rand.Text()[:16] }

func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURI: true, LogStatus: true, LogLatency: true, LogRequestID: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			// Headers are never logged: Authorization carries the password.
			log.LogAttrs(c.Request().Context(), slog.LevelDebug, "request",
				slog.String("method", v.Method), slog.String("uri", v.URI),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.String("request_id", v.RequestID))
			return nil
		},
	})
}
