package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// completes is a load of Completes, one per session s0, s1..., each
// retried with its Idempotency-Key until it is answered; clients share it.
type completes struct {
	// acknowledged is the referenceId answered, by session; 0 if none.
	acknowledged []int64
	// next is the next session to complete, done how many were answered,
	// attempts how many requests were sent and retried how many failed.
	next, done, attempts, retried atomic.Int64
}

func newCompletes(sessions int) *completes {
	return &completes{acknowledged: make([]int64, sessions)}
}

// claim is the next session for a client, false once there is none left.
func (c *completes) claim() (int64, bool) {
	i := c.next.Add(1) - 1
	return i, i < int64(len(c.acknowledged))
}

// send makes one attempt at session i's Complete on s.
func (c *completes) send(s *service, i int64) (int, string) {
	c.attempts.Add(1)
	return s.post(fmt.Sprintf("/api/v2/me/facebooksessions/s%d", i), "agent1", "correct horse",
		`{"operationName":"Complete"}`, "Idempotency-Key", fmt.Sprintf("complete-s%d", i))
}

// acknowledge records the referenceId of session i's answer.
func (c *completes) acknowledge(i int64, body string) error {
	var r struct{ ReferenceID int64 }
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return err
	}
	c.acknowledged[i] = r.ReferenceID
	c.done.Add(1)
	return nil
}

// requireAcknowledged fails the test unless every session was answered.
func (c *completes) requireAcknowledged(t *testing.T) {
	t.Helper()
	for i, ref := range c.acknowledged {
		require.Positive(t, ref, "s%d was never acknowledged", i)
	}
}

// completionsSQL is each completed session's completions and the first's
// referenceId.
const completionsSQL = `SELECT stream_id, count(*), min((metadata::json->>'referenceId')::bigint)
		FROM events WHERE event_type IN ('InteractionCompleted', 'QueuedTo') GROUP BY stream_id`

// checkCompletions checks the log: one completion per session, with the
// referenceId answered. It returns how many sessions were completed.
func checkCompletions(ctx context.Context, t *testing.T, conn *pgx.Conn, acknowledged []int64) int {
	t.Helper()
	rows, err := conn.Query(ctx, completionsSQL)
	require.NoError(t, err)
	completions := 0
	for rows.Next() {
		var streamID string
		var count, ref int64
		require.NoError(t, rows.Scan(&streamID, &count, &ref))
		require.Equal(t, int64(1), count, "%s completed %d times", streamID, count)
		i, err := strconv.Atoi(strings.TrimPrefix(streamID, "facebooksession-s"))
		require.NoError(t, err)
		require.Equal(t, acknowledged[i], ref, "%s: the log holds the referenceId that was answered", streamID)
		completions++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, len(acknowledged), completions)
	return completions
}

// rounded is ds to the millisecond, for logs.
func rounded(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
