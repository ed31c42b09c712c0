package httpapi

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/users"
)

// The one mapping of errors to answers, for the errors of the session's
// life: the message a client sees comes from the error.
func TestToAPIError(t *testing.T) {
	t.Parallel()
	queue := "Q"
	for _, tc := range []struct {
		err          error
		status, code int
		message      string
	}{
		{&fb.StateError{Operation: "Transfer", Status: fb.StatusInvited}, 409, 2, "Transfer is not valid in the state Invited"},
		{fmt.Errorf("session s1: %w", &fb.StateError{Operation: "Complete", Status: fb.StatusCompleted}), 409, 2, "Complete is not valid in the state Completed"},
		{fmt.Errorf("%w: session s1 holds the most messages", fb.ErrInvalidState), 409, 2, "session s1 holds the most messages"},
		{fmt.Errorf("session s1: %w", fb.ErrNotOwner), 404, 6, "Not found"},
		{fb.ErrNotFound, 404, 6, "Not found"},
		{fmt.Errorf("%w: text is required", gws.ErrMissingParameter), 400, 1, "text is required"},
		{fmt.Errorf("%w: text must not be empty", fb.ErrInvalid), 400, 10, "text must not be empty"},
		{handedToNoAgent(fb.Transfer{TargetAgent: "x"}, fmt.Errorf("x: %w", users.ErrNotAgent)), 400, 10, "targetUri names no enabled agent with the api-multimedia feature"},
		{handedToNoAgent(fb.Route{AgentID: "x"}, users.ErrNotAgent), 400, 10, "agentId names no enabled agent with the api-multimedia feature"},
		{users.ErrNotAgent, 400, 10, "agentId names no enabled agent with the api-multimedia feature"},
		{handedToNoAgent(fb.Complete{QueueName: &queue}, eventstore.ErrUnavailable), 503, 4, msgServiceUnavailable},
		{commands.ErrIdempotencyKeyReused, 422, 10, "The Idempotency-Key was already used for another request"},
		{&eventstore.ConcurrencyError{}, 409, 2, "The facebooksession changed while the operation ran; try again"},
		{&eventstore.ConcurrencyError{StreamID: "agent-a1"}, 409, 2, "The channel state changed while the operation ran; try again"},
	} {
		e, _ := toAPIError(tc.err)
		require.Equal(t, tc.status, e.status, "%v", tc.err)
		require.Equal(t, tc.code, e.code, "%v", tc.err)
		require.Equal(t, tc.message, e.message, "%v", tc.err)
	}
	require.False(t, errors.Is(handedToNoAgent(fb.Leave{}, errors.New("x")), users.ErrNotAgent))
}
