package httpapi

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
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
	// Agents runs the agents' channel states (POST /me, /me/channels).
	Agents *commands.AgentHandler
	// Sessions reads the sessions' views for GETs.
	Sessions *sessionview.Reader
	// Transcripts reads the sessions' messages for GET .../messages.
	Transcripts *sessionview.Transcripts
	Auth        *users.Authenticator
	// WebSessions, when set, keeps browser sessions (docs/API.md §14): a
	// Basic GET /me issues a session cookie that the API and CometD
	// accept instead of Basic. Nil: Basic only.
	WebSessions WebSessions
	// CookieAlwaysSecure marks the session cookie Secure whatever the
	// request came over: for a proxy ending TLS that is not among
	// TrustedProxies, whose X-Forwarded-Proto is not believed.
	CookieAlwaysSecure bool
	// BaseURL prefixes every resource uri, e.g. "http://localhost:8080".
	BaseURL string
	// PublicOrigin, when set, is the origin browsers reach the service
	// at (the configured public URL's, https://desk.example.com): a page
	// of it is the service's own, whatever Host a proxy in front sends.
	PublicOrigin string
	// Ready checks what /readyz reports on, by name (the store, NATS).
	Ready map[string]func(context.Context) error
	// Degraded checks what /readyz reports degraded on, by name, still
	// answering 200: what fails there (the audit checkpoints) leaves the
	// clients served.
	Degraded map[string]func(context.Context) error
	// Registry, when set, receives the HTTP metrics and is served at
	// /metrics with everything else registered in it.
	Registry *prometheus.Registry
	// RequestTimeout bounds each API request's work, so that an unreachable
	// database yields a quick 503 instead of a hung request. Default 1.5s.
	RequestTimeout time.Duration
	// MaxRequestRead bounds how long a request's body may still take to
	// arrive once its handler runs: the body's deadline is the earlier of
	// this and RequestTimeout, so that a long RequestTimeout does not
	// loosen the server's own ReadTimeout. A server with one passes what
	// is left of it once the slowest headers are in (ReadTimeout less
	// ReadHeaderTimeout). Default 15s.
	MaxRequestRead time.Duration
	// TrustedProxies are the load balancers and proxies whose
	// X-Forwarded-For is believed: behind them the client's address, which
	// failed logins are counted under, is the nearest one in that header
	// not in these ranges. Empty (the default), the header is ignored and
	// the connection's peer is the client; loopback and private addresses
	// are trusted only when listed.
	TrustedProxies []netip.Prefix
	// Notifications, when set, serves CometD at /api/v2/notifications and
	// below (transport/cometd); it authenticates each request itself.
	Notifications http.Handler
	// Queues reads the queues for GET /queues and ResolveQueue; nil lists
	// none and takes every queueName as it is.
	Queues QueueReader
	// QueueFigures counts the queues' live figures (the router's); nil
	// shows them 0.
	QueueFigures QueueFigures
	// Supervision is what GET /agents and GET /facebooksessions read.
	Supervision Supervision
	// Messenger, when set, serves Meta's Messenger webhook at
	// /webhooks/messenger, GET and POST (transport/messenger); it checks
	// each delivery's signature itself and bounds its body (1 MiB, past
	// the API's 64 KiB). Nil: the paths are 404.
	Messenger http.Handler
	// Pages, when set, serves the browser pages at /desktop/ and
	// /supervisor/ (transport/desktop); nil: the paths are 404.
	Pages http.Handler
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
	if c.MaxRequestRead <= 0 {
		c.MaxRequestRead = 15 * time.Second
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
}

// API serves the REST API.
type API struct {
	cfg       Config
	writes    *writeHealth
	readiness *readiness
	// unissuedCount counts the Basic GET /me answered without a session
	// cookie because the sessions' database failed.
	unissuedCount prometheus.Counter
}

// New returns the Echo server of the API.
func New(cfg Config) *echo.Echo {
	_, e := newAPI(cfg)
	return e
}

func newAPI(cfg Config) (*API, *echo.Echo) {
	cfg.setDefaults()
	a := &API{cfg: cfg, writes: &writeHealth{now: time.Now}, readiness: &readiness{failing: map[string]bool{}},
		unissuedCount: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fbsession_web_session_unissued_total",
			Help: "Basic GET /api/v2/me from a browser answered without a session cookie because the sessions' database failed.",
		})}
	if cfg.Registry != nil && cfg.WebSessions != nil {
		cfg.Registry.MustRegister(a.unissuedCount)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	if len(cfg.TrustedProxies) > 0 {
		e.IPExtractor = forwardedFor(cfg.TrustedProxies)
	}
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
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "64K",
		Skipper: func(c echo.Context) bool { return cfg.Messenger != nil && c.Path() == messengerPath }}))
	e.Use(requireJSON)

	e.GET("/healthz", a.healthz)
	e.GET("/readyz", a.readyz)
	e.GET("/api/v2/openapi.yaml", serveOpenAPI)
	a.mountNotifications(e, cfg.Notifications)
	mountMessenger(e, cfg.Messenger, cfg.RequestTimeout, cfg.MaxRequestRead)
	mountPages(e, cfg.Pages)

	// The API's middleware goes on each route, not on a group: a group
	// with middleware catches every path under it, so Echo would answer a
	// known path's wrong method 404 instead of 405.
	common := []echo.MiddlewareFunc{deadline(cfg.RequestTimeout, cfg.MaxRequestRead), a.writes.trackWrites, a.authenticate}
	api := func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		e.Add(method, "/api/v2"+path, h, append(slices.Clone(common), m...)...)
	}
	api(http.MethodGet, "/me", a.me)
	// /me/facebooksession is the 2015 spelling of the list, as of the rest.
	api(http.MethodGet, "/me/facebooksessions", a.listMine, a.requireFeature)
	api(http.MethodGet, "/me/facebooksession", a.listMine, a.requireFeature)
	for _, p := range []string{"/me/facebooksessions/:id", "/me/facebooksession/:id"} {
		api(http.MethodGet, p, a.getMine, a.requireFeature)
		api(http.MethodPost, p, a.operate, a.requireFeature)
	}
	// The integration side and supervisors read any session without the
	// api-multimedia feature, which is an agent desktop's.
	integrationOrFeature := a.requireFeatureUnlessAny(users.RoleIntegration, users.RoleSupervisor)
	api(http.MethodGet, "/facebooksessions/:id", a.get, integrationOrFeature)
	api(http.MethodGet, "/facebooksessions/:id/messages", a.transcript, integrationOrFeature)
	api(http.MethodPost, "/facebooksessions/:id", a.operateIntegration, a.requireRole(users.RoleIntegration))
	api(http.MethodPost, "/facebooksessions", a.intake, a.requireRole(users.RoleIntegration))
	api(http.MethodPost, "/me", a.startOrEndSession, a.requireFeature)
	api(http.MethodGet, "/me/channels", a.myChannels, a.requireFeature)
	api(http.MethodPost, "/me/channels/:channel", a.setMyChannel, a.requireFeature)
	api(http.MethodPost, "/users/:id/channels/:channel", a.controlChannel, a.requireAgentControl)
	a.queueRoutes(api)
	a.supervisorRoutes(api)
	e.POST(logoutPath, a.logout, deadline(cfg.RequestTimeout, cfg.MaxRequestRead), a.writes.trackWrites)
	// Filled before the first request, read-only after.
	for _, r := range e.Routes() {
		routes[r.Path] = true
	}
	return a, e
}

// deadline gives the request's context a timeout d, and the reading of its
// body the same or maxRead if earlier: a client that sends the headers and
// then trickles the body is cut off instead of holding a connection and a
// goroutine, and never later than the server would have cut it.
func deadline(d, maxRead time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(clientContextKey, c.Request().Context())
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			err := http.NewResponseController(c.Response()).SetReadDeadline(time.Now().Add(min(d, maxRead)))
			if err != nil && !errors.Is(err, http.ErrNotSupported) {
				return fmt.Errorf("body read deadline: %w", err)
			}
			return next(c)
		}
	}
}

// forwardedFor takes the client's address from X-Forwarded-For, believing
// only what the proxies listed appended: Echo would otherwise trust any
// loopback, link-local or private peer too, and a client on such a network
// could choose its own address.
func forwardedFor(proxies []netip.Prefix) echo.IPExtractor {
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		if !p.IsValid() {
			continue // the zero Prefix: nothing to trust
		}
		p = p.Masked()
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
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
