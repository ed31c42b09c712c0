package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// otherLabel stands for every method and path outside the closed sets, so
// that made-up ones cannot grow the series (and memory) without bound.
const otherLabel = "other"

// instrument records request latencies by route, method and status, and
// counts the operations among the requests (operationmetrics.go). The
// route is the template Echo matched (/api/v2/facebooksessions/:id) and
// routes says which templates exist; anything else is "other".
func instrument(reg prometheus.Registerer, routes func() map[string]bool) echo.MiddlewareFunc {
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "fbsession_http_request_duration_seconds",
		Help:    "HTTP request latencies by route, method and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"method", "route", "status"})
	reg.MustRegister(latency)
	ops := newOperationCounter(reg)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err) // write the response now, so its status is known
			}
			ops.observe(c, err)
			route := c.Path()
			if !routes()[route] {
				route = otherLabel
			}
			latency.WithLabelValues(methodLabel(c.Request().Method), route, strconv.Itoa(c.Response().Status)).
				Observe(time.Since(start).Seconds())
			return nil
		}
	}
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return otherLabel
}

func metricsHandler(g prometheus.Gatherer) echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
}
