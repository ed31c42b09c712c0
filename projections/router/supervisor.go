package router

import (
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/domain/routing"
)

// Agents are the views of the agents ids names, in that order; an agent
// the log says nothing of has no channels, the default capacity and no
// sessions. Each holds at most perAgent sessions, the oldest.
func (r *Router) Agents(ids []string, perAgent int) []routing.AgentView {
	r.mu.Lock()
	defer r.mu.Unlock()
	held := r.board.Held(ids, perAgent)
	out := make([]routing.AgentView, len(ids))
	for i, id := range ids {
		s := r.pic.agents[id]
		out[i] = routing.AgentView{State: s, Capacity: s.Capacity(as.ChannelFacebookSession), Sessions: held[id]}
	}
	return out
}

// Sessions are the limit oldest live sessions, oldest first, and how
// many are live in all (routing.Board.Sessions).
func (r *Router) Sessions(limit int) ([]routing.Live, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.board.Sessions(limit)
}
