package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/agentlog"
	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

// GWS status codes used by this API.
const (
	codeOK                = 0
	codeMissingParameter  = 1
	codeInvalidState      = 2
	codeForbidden         = 3
	codeInternal          = 4
	codeNoPermission      = 5
	codeNotFound          = 6
	codeValidation        = 10
	codeAlreadyExists     = 18
	codeNotAuthenticated  = 20
	msgAccessDenied       = "Access denied"
	msgNotFound           = "Not found"
	msgServiceUnavailable = "Service unavailable, try again"
)

// apiError is an error already in API terms: the HTTP status, the GWS code
// and the message for the client.
type apiError struct {
	status  int
	code    int
	message string
}

func (e *apiError) Error() string { return e.message }

func badRequest(code int, format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

var (
	errNotAuthenticated = &apiError{http.StatusUnauthorized, codeNotAuthenticated, msgAccessDenied}
	errNoPermission     = &apiError{http.StatusForbidden, codeNoPermission, "The user lacks the " + users.FeatureMultimedia + " feature"}
	errNoAgentControl   = &apiError{http.StatusForbidden, codeNoPermission, "The user lacks the " + users.FeatureSupervisorAgentControl + " feature"}
	errNotFound         = &apiError{http.StatusNotFound, codeNotFound, msgNotFound}
	errThrottled        = &apiError{http.StatusTooManyRequests, codeNotAuthenticated, "Too many failed attempts; try again later"}
)

// notAgentError is users.ErrNotAgent for the agent a request named in
// parameter (agentId, targetUri).
type notAgentError struct {
	parameter string
	err       error
}

func (e *notAgentError) Error() string { return e.parameter + ": " + e.err.Error() }
func (e *notAgentError) Unwrap() error { return e.err }

// handedToNoAgent names the request's parameter that named the agent the
// directory refused (fb.HandedTo), when it refused one.
func handedToNoAgent(cmd fb.Command, err error) error {
	if !errors.Is(err, users.ErrNotAgent) || fb.HandedTo(cmd) == "" {
		return err
	}
	parameter := "agentId"
	if cmd.Operation() == fb.OperationTransfer {
		parameter = "targetUri"
	}
	return &notAgentError{parameter: parameter, err: err}
}

// errorBody is the GWS failure envelope.
type errorBody struct {
	StatusCode    int    `json:"statusCode"`
	StatusMessage string `json:"statusMessage"`
}

// toAPIError is the one mapping from every error the API can meet to what
// the client is told. Anything unforeseen is an internal error, logged.
func toAPIError(err error) (e *apiError, unexpected bool) {
	var (
		he       *echo.HTTPError
		notAgent *notAgentError
		stateErr *fb.StateError
	)
	if e, ok := toAgentStateError(err); ok {
		return e, false
	}
	if e, ok := toQueueError(err); ok {
		return e, false
	}
	switch {
	case errors.As(err, &e):
		return e, false
	case errors.As(err, &notAgent):
		return &apiError{http.StatusBadRequest, codeValidation, notAgent.parameter + " names no enabled agent with the api-multimedia feature"}, false
	case errors.Is(err, gws.ErrInvalidBody):
		return &apiError{http.StatusBadRequest, codeValidation, unwrapMessage(err, gws.ErrInvalidBody)}, false
	case errors.Is(err, gws.ErrMissingParameter):
		return &apiError{http.StatusBadRequest, codeMissingParameter, unwrapMessage(err, gws.ErrMissingParameter)}, false
	case errors.Is(err, fb.ErrInvalid):
		return &apiError{http.StatusBadRequest, codeValidation, unwrapMessage(err, fb.ErrInvalid)}, false
	case errors.Is(err, fb.ErrNotFound), errors.Is(err, fb.ErrNotOwner):
		// The same answer for another agent's session as for none: the API
		// never reveals that a session exists.
		return errNotFound, false
	case errors.Is(err, fb.ErrAlreadyExists):
		return &apiError{http.StatusConflict, codeAlreadyExists, "A facebooksession with this id already exists"}, false
	case errors.As(err, &stateErr):
		// "Transfer is not valid in the state Invited"
		return &apiError{http.StatusConflict, codeInvalidState, stateErr.Error()}, false
	case errors.Is(err, fb.ErrInvalidState):
		// Another reason the state refuses it, such as a session that holds
		// the most messages it may.
		return &apiError{http.StatusConflict, codeInvalidState, unwrapMessage(err, fb.ErrInvalidState)}, false
	case errors.Is(err, eventstore.ErrConcurrency):
		// Only after MaxAttempts lost races on one stream.
		var ce *eventstore.ConcurrencyError
		if errors.As(err, &ce) {
			if _, isAgent := agentlog.AgentID(ce.StreamID); isAgent {
				return &apiError{http.StatusConflict, codeInvalidState, "The channel state changed while the operation ran; try again"}, false
			}
		}
		return &apiError{http.StatusConflict, codeInvalidState, "The facebooksession changed while the operation ran; try again"}, false
	case errors.Is(err, users.ErrBadCredentials):
		return errNotAuthenticated, false
	case errors.Is(err, users.ErrThrottled), errors.Is(err, websession.ErrThrottled):
		return errThrottled, false
	case errors.Is(err, commands.ErrIdempotencyKeyReused):
		return &apiError{http.StatusUnprocessableEntity, codeValidation, "The Idempotency-Key was already used for another request"}, false
	case errors.Is(err, users.ErrNotAgent):
		return &apiError{http.StatusBadRequest, codeValidation, "agentId names no enabled agent with the api-multimedia feature"}, false
	case errors.Is(err, eventstore.ErrUnavailable), errors.Is(err, users.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return &apiError{http.StatusServiceUnavailable, codeInternal, msgServiceUnavailable}, true
	case errors.As(err, &he):
		return fromEchoError(he), he.Code >= 500
	}
	return &apiError{http.StatusInternalServerError, codeInternal, "Internal error"}, true
}

// toAgentStateError maps the errors of an agent's channels
// (domain/agentstate); ok is false for any other error.
func toAgentStateError(err error) (e *apiError, ok bool) {
	switch {
	case errors.Is(err, as.ErrInvalid):
		return &apiError{http.StatusBadRequest, codeValidation, unwrapMessage(err, as.ErrInvalid)}, true
	case errors.Is(err, as.ErrUnknownChannel):
		return &apiError{http.StatusNotFound, codeNotFound, "No channel " + unwrapMessage(err, as.ErrUnknownChannel) + "; the only channel is " + as.ChannelFacebookSession}, true
	case errors.Is(err, as.ErrUnknownAgent):
		// Before users.ErrNotAgent, which it wraps: the path names the
		// agent, not a parameter.
		return errNotFound, true
	case errors.Is(err, as.ErrForbidden):
		return &apiError{http.StatusForbidden, codeForbidden, "Only the agent may start or end their contact center session"}, true
	case errors.Is(err, as.ErrInvalidState):
		return &apiError{http.StatusConflict, codeInvalidState, unwrapMessage(err, as.ErrInvalidState)}, true
	}
	return nil, false
}

func fromEchoError(he *echo.HTTPError) *apiError {
	switch he.Code {
	case http.StatusNotFound:
		return errNotFound
	case http.StatusRequestEntityTooLarge:
		return &apiError{he.Code, codeValidation, fmt.Sprintf("The request body is larger than %d bytes", maxBody)}
	case http.StatusMethodNotAllowed:
		return &apiError{he.Code, codeValidation, "Method not allowed"}
	case http.StatusUnauthorized:
		return errNotAuthenticated
	}
	if he.Code < 500 {
		return &apiError{he.Code, codeValidation, http.StatusText(he.Code)}
	}
	return &apiError{http.StatusInternalServerError, codeInternal, "Internal error"}
}

// unwrapMessage strips the sentinel's prefix from a domain error's text.
func unwrapMessage(err, sentinel error) string {
	if _, detail, ok := strings.Cut(err.Error(), sentinel.Error()+": "); ok {
		return detail
	}
	return err.Error()
}

// errorHandler is Echo's HTTPErrorHandler.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		if clientGone(c) && errors.Is(err, context.Canceled) {
			// Not the service's failure, and nobody is there to read why.
			log.DebugContext(c.Request().Context(), "request abandoned by the client",
				"method", c.Request().Method, "path", c.Path(), "err", err,
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			_ = c.NoContent(statusClientClosedRequest)
			return
		}
		e, unexpected := toAPIError(err)
		if unexpected {
			log.ErrorContext(c.Request().Context(), "request failed",
				"method", c.Request().Method, "path", c.Path(), "err", err,
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		}
		if wait, ok := retryAfter(err); ok {
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Round(time.Second)/time.Second))))
		}
		if e.status == http.StatusUnauthorized && !scripted(c) {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Basic realm="fbsession", charset="UTF-8"`)
		}
		if err := c.JSON(e.status, errorBody{StatusCode: e.code, StatusMessage: e.message}); err != nil {
			log.Debug("writing error response", "err", err)
		}
	}
}

// retryAfter is how long a throttled client is told to wait.
func retryAfter(err error) (time.Duration, bool) {
	var (
		login   *users.ThrottledError
		session *websession.ThrottledError
	)
	switch {
	case errors.As(err, &login):
		return login.RetryAfter, true
	case errors.As(err, &session):
		return session.RetryAfter, true
	}
	return 0, false
}

// toQueueError maps the errors of queues (domain/queue); ok is false for
// any other error. A queue a path names and does not find is a resource
// that does not exist; one a body's parameter names is a bad parameter.
func toQueueError(err error) (e *apiError, ok bool) {
	var named *queueNameError
	switch {
	case errors.As(err, &named) && errors.Is(err, queue.ErrUnknownQueue):
		return &apiError{http.StatusBadRequest, codeValidation, named.parameter + " names no queue: " + unwrapMessage(err, queue.ErrUnknownQueue)}, true
	case errors.Is(err, queue.ErrUnknownQueue):
		return errNotFound, true
	}
	return nil, false
}

// scripted tells whether a refused login came from a page's script: one
// that says so (X-Requested-With, as XMLHttpRequest libraries do) or
// presents a session cookie. Its 401 has no WWW-Authenticate, on which a
// browser would open its own login prompt over the page's sign-in form.
func scripted(c echo.Context) bool {
	return c.Request().Header.Get(echo.HeaderXRequestedWith) != "" || websession.Presented(c.Request())
}
