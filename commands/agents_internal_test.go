package commands

import (
	"testing"

	"github.com/stretchr/testify/require"

	as "github.com/fbsession/fbsession/domain/agentstate"
)

// A kept agent's size counts the capacities set, which the cache's byte
// bound must see.
func TestAgentSizeCountsCapacities(t *testing.T) {
	t.Parallel()
	var none as.State
	set := as.Evolve(none, as.ChannelCapacitySet{Channel: as.ChannelFacebookSession, Capacity: 2})
	require.Greater(t, agents{}.Size(set), agents{}.Size(none)+len(as.ChannelFacebookSession))
}
