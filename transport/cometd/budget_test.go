package cometd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/transport/cometd"
)

// The bytes queued for all clients together are bounded: a client whose
// message would go past the budget is dropped; what is delivered frees
// its share.
func TestQueueBudgetOfTheProcess(t *testing.T) {
	t.Parallel()
	// Each message is 154 bytes: room for two.
	b := setup(t, cometd.Config{QueueBudget: 320, QueueBytes: 1 << 20, MaxIdle: time.Minute})
	first := b.client(t, "agent1")
	body := `{"pad":"` + strings.Repeat("x", 100) + `"}`
	b.publish(t, "a1", "s1", body)
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_notifications_received_total") == 1 }, 2*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{body}, data(b.post(t, "agent1", connect(first, 0))), "delivered: its bytes are free again")

	second := b.client(t, "agent2")
	b.publish(t, "a1", "s1", body)
	b.publish(t, "a2", "s1", body)
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_notifications_received_total") == 3 }, 2*time.Second, 5*time.Millisecond)
	require.Equal(t, 0.0, removed(t, b, "budget"))
	b.publish(t, "a1", "s1", body) // past the budget
	require.Eventually(t, func() bool { return removed(t, b, "budget") == 1 }, 2*time.Second, 5*time.Millisecond)
	require.Equal(t, "402::Unknown client", b.post(t, "agent1", connect(first, 0))[0].Error)
	// The dropped client's queue was freed: the other's fits again.
	require.Equal(t, []string{body}, data(b.post(t, "agent2", connect(second, 0))))
	b.publish(t, "a2", "s1", body)
	b.publish(t, "a2", "s1", body)
	require.Eventually(t, func() bool { return metric(t, b, "fbsession_cometd_notifications_received_total") == 6 }, 2*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{body, body}, data(b.post(t, "agent2", connect(second, 0))))
	require.Equal(t, 1.0, removed(t, b, "budget"))
}
