package httpapi

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// operationKey is where operate records the operationName it was asked for
// (setOperation), so that the counter can tell the operations apart, and
// from a name it refused.
const operationKey = "fbsession.operation"

// routeOperation is the operation a POST route runs, until its body names
// one ("other" for a request refused before its body is read); ok is false
// for every other request, which is no operation and is not counted.
func routeOperation(route string) (op string, ok bool) {
	switch route {
	case "/api/v2/facebooksessions":
		return commands.OperationIntake, true
	case "/api/v2/me/facebooksessions/:id", "/api/v2/me/facebooksession/:id", "/api/v2/facebooksessions/:id":
		return otherLabel, true
	}
	return "", false
}

// countedOperations are the operation label's values besides "other".
func countedOperations() []string { return commands.Operations() }

// statusCodeLabel keeps the status_code label to the GWS codes the API
// answers with. A code outside them would be a bug in errors.go; it is
// counted as "other" rather than growing the series.
func statusCodeLabel(code int) string {
	switch code {
	case codeOK, codeMissingParameter, codeInvalidState, codeForbidden, codeInternal,
		codeNoPermission, codeNotFound, codeValidation, codeAlreadyExists, codeNotAuthenticated:
		return strconv.Itoa(code)
	}
	return otherLabel
}

// setOperation records the operationName a request named, once its body is
// read. Names this service does not run are counted as "other".
func setOperation(c echo.Context, name string) {
	// Asked of the capability table's rows, without making the list:
	// every operation request passes here.
	agents := fb.StatusInvited.Allows(name) || fb.StatusChatting.Allows(name)
	if !agents && !slices.Contains(fb.IntegrationOperations(), name) {
		name = otherLabel
	}
	c.Set(operationKey, name)
}

// operationCounter counts the API's operations by name and by the GWS
// statusCode they answered with, which is the outcome a client sees.
type operationCounter struct {
	total *prometheus.CounterVec
}

func newOperationCounter(reg prometheus.Registerer) *operationCounter {
	o := &operationCounter{total: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fbsession_operations_total",
		Help: "Operations (intake, the agents' and the integration side's) by name and the GWS statusCode they answered with (0 is success).",
	}, []string{"operation", "status_code"})}
	reg.MustRegister(o.total)
	// Every success series exists from the start, so that rate() and the
	// dashboard see a zero rather than nothing.
	for _, op := range countedOperations() {
		o.total.WithLabelValues(op, statusCodeLabel(codeOK))
	}
	return o
}

// observe counts the request if it ran an operation; err is what the
// handler returned (nil on success).
func (o *operationCounter) observe(c echo.Context, err error) {
	if c.Request().Method != http.MethodPost {
		return
	}
	op, ok := routeOperation(c.Path())
	if !ok {
		return
	}
	if named, ok := c.Get(operationKey).(string); ok {
		op = named
	}
	if err != nil && clientGone(c) {
		o.total.WithLabelValues(op, canceledLabel).Inc()
		return
	}
	code := codeOK
	switch {
	case err != nil:
		e, _ := toAPIError(err)
		code = e.code
	case c.Response().Status >= http.StatusBadRequest:
		// An error answered without returning it: only the status is known.
		code = codeInternal
		if c.Response().Status < http.StatusInternalServerError {
			code = codeValidation
		}
	}
	o.total.WithLabelValues(op, statusCodeLabel(code)).Inc()
}
