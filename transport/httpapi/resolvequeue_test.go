package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
)

// queueList is a QueueReader over fixed queues, or failing with err.
type queueList struct {
	queues []queue.State
	err    error
}

func (l queueList) List(context.Context) ([]queue.State, error) { return l.queues, l.err }

func (l queueList) Lookup(_ context.Context, idOrName string) (queue.State, error) {
	if l.err != nil {
		return queue.State{}, l.err
	}
	for _, s := range l.queues {
		if s.Name == idOrName || s.ID == idOrName {
			return s, nil
		}
	}
	return queue.State{}, fmt.Errorf("%w: %q", queue.ErrUnknownQueue, idOrName)
}

// ResolveQueue gives the canonical name; an unknown queue is a bad
// queueName (400/10), not a missing resource; a directory that cannot be
// read is a 503, not a verdict on the name.
func TestResolveQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := newAPI(Config{Queues: queueList{queues: []queue.State{{ID: "3", Name: "Sales"}}}})
	for _, in := range []string{"Sales", "3"} {
		name, err := a.ResolveQueue(ctx, in)
		require.NoError(t, err)
		require.Equal(t, "Sales", name)
	}
	_, err := a.ResolveQueue(ctx, "Nope")
	require.ErrorIs(t, err, queue.ErrUnknownQueue)
	e, unexpected := toAPIError(err)
	require.False(t, unexpected)
	require.Equal(t, &apiError{http.StatusBadRequest, codeValidation, `queueName names no queue: "Nope"`}, e)

	// A path's unknown queue is a resource that does not exist.
	e, _ = toAPIError(fmt.Errorf("%w: %q", queue.ErrUnknownQueue, "Nope"))
	require.Equal(t, errNotFound, e)

	down, _ := newAPI(Config{Queues: queueList{err: fmt.Errorf("list: %w", eventstore.ErrUnavailable)}})
	_, err = down.ResolveQueue(ctx, "Sales")
	require.False(t, errors.Is(err, queue.ErrUnknownQueue))
	e, _ = toAPIError(err)
	require.Equal(t, http.StatusServiceUnavailable, e.status)

	// Without queues, names are taken as they are.
	bare, _ := newAPI(Config{})
	name, err := bare.ResolveQueue(ctx, "PostProcessingQueue")
	require.NoError(t, err)
	require.Equal(t, "PostProcessingQueue", name)
}
