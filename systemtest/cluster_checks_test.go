package systemtest

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// logChanges are the log's changes (one per append), each to be notified
// once: the position of a change's last event, and its session.
func (c *cluster) logChanges(ctx context.Context, sessions int) map[int64]string {
	t := c.t
	t.Helper()
	changes := map[int64]string{}
	rows, err := c.conn.Query(ctx, `SELECT max(position), stream_id FROM events
		WHERE stream_id LIKE 'facebooksession-%' GROUP BY stream_id, transaction_id`) // not the users' changes
	require.NoError(t, err)
	for rows.Next() {
		var pos int64
		var streamID string
		require.NoError(t, rows.Scan(&pos, &streamID))
		changes[pos] = strings.TrimPrefix(streamID, "facebooksession-")
	}
	require.NoError(t, rows.Err())
	require.Len(t, changes, 2*sessions, "an intake and a Complete per session")
	return changes
}

// checkStream checks the stream, once the publisher has caught up: every
// change once, in the order of its session's versions; the replicas all
// current. It returns how many notifications it read and how many came
// out of order.
func (c *cluster) checkStream(ctx context.Context, changes map[int64]string) (int, int) {
	t := c.t
	t.Helper()
	var msgs uint64
	require.Eventually(t, func() bool {
		ictx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		info, err := c.stream.Info(ictx)
		if err != nil {
			return false
		}
		msgs = info.State.Msgs
		if msgs < uint64(2*len(changes)) || len(info.Cluster.Replicas) != 2 {
			return false
		}
		for _, r := range info.Cluster.Replicas {
			if !r.Current || r.Lag > 0 {
				return false
			}
		}
		return true
	}, 60*time.Second, 100*time.Millisecond, "the stream has every change and its replicas are current")
	seen, outOfOrder := c.readStream(ctx, changes, msgs)
	for cp, n := range seen {
		require.Equal(t, 1, n, "the change at position %d is in the stream %d times (integration %v)", cp.pos, n, cp.integration)
	}
	require.Len(t, seen, 2*len(changes), "every change is in the stream, for its agent and the integration side")
	require.Equal(t, uint64(2*len(changes)), msgs, "and nothing else")
	return len(seen), outOfOrder
}

// copyOf is one of a change's notifications: on its agent's subject, or
// on the integration side's.
type copyOf struct {
	pos         int64
	integration bool
}

// readStream reads the stream's msgs messages, checking each is a change
// of the log on its session's subjects, in order per subject. It returns
// how many times it read each copy of each change, and how many messages
// came out of order.
func (c *cluster) readStream(ctx context.Context, changes map[int64]string, msgs uint64) (map[copyOf]int, int) {
	t := c.t
	t.Helper()
	cons, err := c.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	seen := map[copyOf]int{}
	last := map[string]int64{} // subject: the last position read
	outOfOrder := 0
	for read := uint64(0); read < msgs; {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		n := 0
		for m := range batch.Messages() {
			n++
			pos, err := strconv.ParseInt(m.Headers().Get("Fbsession-Position"), 10, 64)
			require.NoError(t, err, "%s: %v", m.Subject(), m.Headers())
			seen[copyOf{pos, strings.Contains(m.Subject(), ".integration.")}]++
			session, ok := changes[pos]
			require.True(t, ok, "%s at position %d is no change of the log", m.Subject(), pos)
			require.True(t, strings.HasSuffix(m.Subject(), ".facebooksession."+session), "%s carries position %d of %s", m.Subject(), pos, session)
			if pos <= last[m.Subject()] {
				outOfOrder++
				t.Errorf("%s: position %d after %d", m.Subject(), pos, last[m.Subject()])
			}
			last[m.Subject()] = pos
		}
		require.NoError(t, batch.Error())
		require.Positive(t, n, "the stream gave %d of %d messages", read, msgs)
		read += uint64(n)
	}
	return seen, outOfOrder
}
