package daemon

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/commands"
)

// handlers are the command side, shared by the API and the router: one
// cache of each aggregate, and one referenceId allocator.
type handlers struct {
	sessions *commands.Handler
	agents   *commands.AgentHandler
}

func newHandlers(cfg *config.Config, b *backend.Backend, reg prometheus.Registerer) *handlers {
	// One allocator: sessions' and agents' referenceIds come from the same
	// blocks.
	refs := commands.WithReferenceIDs(commands.NewReferenceIDs(b.Store, 0))
	return &handlers{
		sessions: commands.NewHandler(b.Store, commands.WithCachedSessions(cachedSessions(cfg)),
			commands.WithCacheBytes(int(cfg.CacheBytes)), commands.WithAgents(b.Users), commands.WithMetrics(reg), refs),
		// Agents' channels are a few small values each: a quarter of the
		// cache's byte budget, on top of the sessions', holds them.
		agents: commands.NewAgentHandler(b.Store, commands.WithAgents(b.Users), refs,
			commands.WithCachedSessions(cachedSessions(cfg)), commands.WithCacheBytes(int(cfg.CacheBytes)/4)),
	}
}
