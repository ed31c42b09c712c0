package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queuelog"
	"github.com/fbsession/fbsession/queueview"
	"github.com/fbsession/fbsession/users"
)

// queueIDSequence names the durable counter queue ids come from.
const queueIDSequence = "queueId"

// queues is the queue aggregate as a Service runs it: one stream per
// queue name, its view written by each append.
type queues struct{}

func (queues) StreamID(name string) string { return queuelog.StreamID(name) }

func (queues) Evolve(s queue.State, rec *eventstore.RecordedEvent) (queue.State, error) {
	return queuelog.Evolve(s, rec)
}

func (queues) Validate(cmd queue.Command) error { return queue.Validate(cmd) }

// Authorize lets every command through: queues are changed by operators
// with fbsessionctl, whom the database credentials authorize.
func (queues) Authorize(context.Context, queue.State, queue.Command) error { return nil }

func (queues) Decide(s queue.State, cmd queue.Command, _ time.Time) (Decision[queue.State], error) {
	events, err := queue.Decide(s, cmd)
	if err != nil {
		return Decision[queue.State]{}, err
	}
	d := Decision[queue.State]{Events: make([]eventstore.EventData, len(events)), After: s}
	for i, e := range events {
		if d.Events[i], err = queuelog.EventData(e); err != nil {
			return Decision[queue.State]{}, err
		}
		d.After = queue.Evolve(d.After, e)
	}
	if d.View, err = queueview.Encode(d.After); err != nil {
		return Decision[queue.State]{}, err
	}
	return d, nil
}

// Fingerprint hashes the command as decoded: its values are flat.
func (queues) Fingerprint(cmd queue.Command) (string, error) {
	return flatFingerprint(cmd.Operation(), cmd)
}

// QueueStore is what a QueueHandler needs of the store: the log, the
// sequence ids come from, and the views it lists queues from.
type QueueStore interface {
	Store
	queueview.Views
}

// UserDirectory is the users a queue's members must be.
type UserDirectory interface {
	// Get returns the user id, or an error wrapping users.ErrNotFound.
	Get(ctx context.Context, id string) (users.User, error)
}

// QueueHandler runs the queue commands. Safe for concurrent use.
type QueueHandler struct {
	service   *Service[queue.State, queue.Command]
	store     QueueStore
	queues    *queueview.Reader
	directory UserDirectory
}

// NewQueueHandler returns a handler on store. Members must be users of
// directory with the agent role; nil takes any valid id, as in tests of
// the log alone.
func NewQueueHandler(store QueueStore, directory UserDirectory, opts ...Option) *QueueHandler {
	cfg := newConfig(opts)
	cfg.metrics = nil // the sessions' series
	return &QueueHandler{
		service:   newService[queue.State, queue.Command](store, queues{}, cfg),
		store:     store,
		queues:    queueview.NewReader(store),
		directory: directory,
	}
}

// Add makes a queue, with a new id: the next of a durable sequence,
// never handed out twice (a refused Add may leave a gap). The service
// holds at most queue.MaxQueues queues; the count is read before the
// append, so two adds racing for the last place may both succeed.
func (h *QueueHandler) Add(ctx context.Context, r Request, cmd queue.Add) (Outcome[queue.State], error) {
	cmd.ID = "-" // judged apart from the id, which is not the caller's
	if err := queue.Validate(cmd); err != nil {
		return Outcome[queue.State]{}, err
	}
	list, err := h.queues.List(ctx)
	if err != nil {
		return Outcome[queue.State]{}, err
	}
	for _, q := range list {
		if q.Name == cmd.Name { // spares an id; the append decides races
			return Outcome[queue.State]{}, fmt.Errorf("%w: %s", queue.ErrQueueExists, cmd.Name)
		}
	}
	if len(list) >= queue.MaxQueues {
		return Outcome[queue.State]{}, fmt.Errorf("%w: there are %d queues, the most a service holds; remove one first", queue.ErrTooMany, len(list))
	}
	id, err := h.store.ReserveSequence(ctx, &eventstore.ReserveSequenceParams{Name: queueIDSequence, N: 1})
	if err != nil {
		return Outcome[queue.State]{}, err
	}
	cmd.ID = strconv.FormatInt(id, 10)
	return h.service.Execute(ctx, r, cmd.Name, cmd)
}

// Execute carries out cmd, any command but Add, on the live queue named
// by idOrName (its name, or its id). Adding members requires each to be a
// user with the agent role; one that is not refuses the whole command.
func (h *QueueHandler) Execute(ctx context.Context, r Request, idOrName string, cmd queue.Command) (Outcome[queue.State], error) {
	if _, isAdd := cmd.(queue.Add); isAdd {
		return Outcome[queue.State]{}, fmt.Errorf("%w: a queue is made with Add", queue.ErrInvalid)
	}
	if err := queue.Validate(cmd); err != nil {
		return Outcome[queue.State]{}, err
	}
	q, err := h.queues.Lookup(ctx, idOrName)
	if err != nil {
		return Outcome[queue.State]{}, err
	}
	if add, ok := cmd.(queue.AddMembers); ok {
		if err := h.requireAgents(ctx, add.Agents); err != nil {
			return Outcome[queue.State]{}, err
		}
	}
	return h.service.Execute(ctx, r, q.Name, cmd)
}

// requireAgents refuses ids that are no user with the agent role. A
// disabled agent, or one without the api-multimedia feature, may be a
// member: a member is offered sessions only when Ready, which they then
// cannot be.
func (h *QueueHandler) requireAgents(ctx context.Context, ids []string) error {
	if h.directory == nil {
		return nil
	}
	for _, id := range ids {
		u, err := h.directory.Get(ctx, id)
		switch {
		case errors.Is(err, users.ErrNotFound):
			return fmt.Errorf("%w: %s is no user", queue.ErrUnknownAgent, id)
		case err != nil:
			return err
		case !u.Has(users.RoleAgent):
			return fmt.Errorf("%w: %s has not the agent role", queue.ErrUnknownAgent, id)
		}
	}
	return nil
}

// Queues is the read side of the queues: listing and lookup by name or
// id, from their views.
func (h *QueueHandler) Queues() *queueview.Reader { return h.queues }
