package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/gws"
)

// QueueReader reads the queues (queueview.Reader).
type QueueReader interface {
	// List is every live queue.
	List(ctx context.Context) ([]queue.State, error)
	// Lookup is the live queue of that name, or else that id; otherwise
	// an error wrapping queue.ErrUnknownQueue.
	Lookup(ctx context.Context, idOrName string) (queue.State, error)
}

// QueueFigures counts a queue's live figures, which the router keeps from
// the log; it must answer at once, from memory.
type QueueFigures interface {
	QueueFigures(name string) queue.Figures
}

// queueFigures is the configured counter, or zeros without one.
func (a *API) queueFigures(name string) queue.Figures {
	if a.cfg.QueueFigures == nil {
		return queue.Figures{}
	}
	return a.cfg.QueueFigures.QueueFigures(name)
}

// queueRoutes are GET /queues and /queues/{id}, for every authenticated
// user: the queues a desktop may transfer to.
func (a *API) queueRoutes(api func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc)) {
	api(http.MethodGet, "/queues", a.listQueues)
	api(http.MethodGet, "/queues/:id", a.getQueue)
}

// listQueues is GET /queues: the queues' uris, or with ?fields (* for
// all) the queues themselves, by name.
func (a *API) listQueues(c echo.Context) error {
	raw := c.QueryParam("fields")
	fields, err := gws.ParseQueueFields(raw)
	if err != nil {
		return err
	}
	var list []queue.State
	if a.cfg.Queues != nil {
		if list, err = a.cfg.Queues.List(c.Request().Context()); err != nil {
			return err
		}
	}
	if raw != "" {
		queues := make([]any, len(list))
		for i, s := range list {
			queues[i] = gws.QueueOf(s, a.queueFigures(s.Name), a.cfg.BaseURL).Select(fields)
		}
		return c.JSON(http.StatusOK, struct {
			StatusCode int   `json:"statusCode"`
			Queues     []any `json:"queues"`
		}{codeOK, queues})
	}
	uris := make([]string, len(list))
	for i, s := range list {
		uris[i] = gws.QueueURI(a.cfg.BaseURL, s.ID)
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode int      `json:"statusCode"`
		URIs       []string `json:"uris"`
	}{codeOK, uris})
}

// getQueue is GET /queues/{id}: {id} is the queue's id or its name.
func (a *API) getQueue(c echo.Context) error {
	fields, err := gws.ParseQueueFields(c.QueryParam("fields"))
	if err != nil {
		return err
	}
	s, err := a.lookupQueue(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		StatusCode int `json:"statusCode"`
		Queue      any `json:"queue"`
	}{codeOK, gws.QueueOf(s, a.queueFigures(s.Name), a.cfg.BaseURL).Select(fields)})
}

// lookupQueue finds the queue a path names, escaped or not.
func (a *API) lookupQueue(ctx context.Context, param string) (queue.State, error) {
	idOrName, err := url.PathUnescape(param)
	if err != nil || a.cfg.Queues == nil {
		return queue.State{}, queue.ErrUnknownQueue
	}
	return a.cfg.Queues.Lookup(ctx, idOrName)
}

// ResolveQueue is the name of the queue a request's queueName names, by
// its name or its id: what a session is queued to, so that the log and
// the router know one name for it. An unknown or removed queue is an
// error the API answers 400, code 10, naming queueName. Without
// Config.Queues every name is taken as it is: a service with no queue
// directory queues to names alone.
func (a *API) ResolveQueue(ctx context.Context, nameOrID string) (string, error) {
	if a.cfg.Queues == nil {
		return nameOrID, nil
	}
	s, err := a.cfg.Queues.Lookup(ctx, nameOrID)
	if err != nil {
		return "", &queueNameError{parameter: "queueName", err: err}
	}
	return s.Name, nil
}

// queueNameError is a request's parameter naming no queue (wrapping
// queue.ErrUnknownQueue), or one the queues could not be read to find.
type queueNameError struct {
	parameter string
	err       error
}

func (e *queueNameError) Error() string { return e.parameter + ": " + e.err.Error() }
func (e *queueNameError) Unwrap() error { return e.err }
