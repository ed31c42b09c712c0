package eventstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testWakeup(t *testing.T, h Harness) {
	t.Parallel()
	s := h.New(t)
	ch := s.Appended()
	select {
	case <-ch:
		// A poll may fire before the append; the next channel must still
		// close for the append itself.
		ch = s.Appended()
	default:
	}
	_, err := s.Append(context.Background(), appendParams("wake", eventstore.NoStream, 1))
	require.NoError(t, err)
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after an append")
	}
}
