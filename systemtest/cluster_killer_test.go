package systemtest

import (
	"context"
	"time"

	"github.com/stretchr/testify/require"
)

// killStats is what the cluster test's killer did and how long the
// cluster took to get over it.
type killStats struct {
	takeovers, firstPublishes, elections []time.Duration
	kills                                map[string]int // by what was killed
}

// killRounds is the killer: rounds of three kills, each brought back,
// paced over the first 80% of the load; it closes l.killsDone when done.
func (c *cluster) killRounds(ctx context.Context, l *clusterLoad, rounds int) *killStats {
	defer close(l.killsDone)
	k := &killStats{kills: map[string]int{}}
	step := 0
	nextStep := func() {
		step++
		select {
		case <-time.After(time.Until(l.start.Add(l.pace * time.Duration(step) / time.Duration(3*rounds+1)))):
		case <-ctx.Done():
		}
	}
	for range rounds {
		nextStep()
		c.killLeaseHolder(ctx, l, k)
		nextStep()
		node := c.killStreamLeader(ctx, l, k)
		nextStep()
		c.killOther(ctx, l, k)
		// The NATS node comes back while the load goes on.
		node.start()
	}
	return k
}

// killLeaseHolder kills the fbsessiond holding the publishing lease,
// waits for another to take it over and publish, and starts it again.
func (c *cluster) killLeaseHolder(ctx context.Context, l *clusterLoad, k *killStats) {
	t := c.t
	var old *member
	require.Eventually(t, func() bool {
		h, err := leaseHolder(ctx, c.conn)
		old = c.byApp[h]
		return err == nil && old != nil
	}, 30*time.Second, 20*time.Millisecond, "one of the fbsessiond holds the lease")
	published := map[*member]float64{}
	for _, m := range c.members {
		published[m] = m.metric("fbsession_notifications_published_total")
	}
	killedAt, at := time.Now(), l.done.Load()
	old.kill()
	var heir *member
	require.Eventually(t, func() bool {
		h, err := leaseHolder(ctx, c.conn)
		heir = c.byApp[h]
		return err == nil && heir != nil && heir != old
	}, 30*time.Second, 20*time.Millisecond, "another fbsessiond takes the lease")
	k.takeovers = append(k.takeovers, time.Since(killedAt))
	require.Eventually(t, func() bool {
		return heir.metric("fbsession_notifications_published_total") > published[heir]
	}, 30*time.Second, 20*time.Millisecond, "%s publishes after the take-over", heir.name)
	k.firstPublishes = append(k.firstPublishes, time.Since(killedAt))
	k.kills["lease holder"]++
	t.Logf("killed %s holding the lease at %d acknowledged; %s took it in %s and published after %s", old.name, at,
		heir.name, k.takeovers[len(k.takeovers)-1].Round(time.Millisecond), k.firstPublishes[len(k.firstPublishes)-1].Round(time.Millisecond))
	old.start()
}

// killStreamLeader kills the stream's leader node, once every replica is
// current, and waits for another leader; it returns the node, still down.
func (c *cluster) killStreamLeader(ctx context.Context, l *clusterLoad, k *killStats) *natsNode {
	t := c.t
	var leader string
	var node *natsNode
	require.Eventually(t, func() bool {
		ictx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		info, err := c.stream.Info(ictx)
		if err != nil || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
			return false
		}
		for _, r := range info.Cluster.Replicas {
			if !r.Current {
				return false
			}
		}
		leader = info.Cluster.Leader
		for _, n := range c.nodes {
			if n.name == leader {
				node = n
			}
		}
		return node != nil
	}, 60*time.Second, 50*time.Millisecond, "the stream has a leader and two current replicas")
	killedAt, at := time.Now(), l.done.Load()
	node.kill()
	require.Eventually(t, func() bool {
		ictx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		info, err := c.stream.Info(ictx)
		return err == nil && info.Cluster != nil && info.Cluster.Leader != "" && info.Cluster.Leader != leader
	}, 30*time.Second, 50*time.Millisecond, "the stream elects another leader")
	k.elections = append(k.elections, time.Since(killedAt))
	k.kills["stream leader"]++
	t.Logf("killed the stream's leader %s at %d acknowledged; a new leader in %s", leader, at,
		k.elections[len(k.elections)-1].Round(time.Millisecond))
	return node
}

// killOther kills an fbsessiond that does not hold the lease, and starts
// it again.
func (c *cluster) killOther(ctx context.Context, l *clusterLoad, k *killStats) {
	t := c.t
	holder, err := leaseHolder(ctx, c.conn)
	require.NoError(t, err)
	var other *member
	for _, m := range c.members {
		if m.app != holder {
			other = m
		}
	}
	t.Logf("killed %s (lease at %q) at %d acknowledged", other.name, holder, l.done.Load())
	other.kill()
	k.kills["other fbsessiond"]++
	time.Sleep(200 * time.Millisecond)
	other.start()
}
