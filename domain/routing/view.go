package routing

import (
	"cmp"
	"container/heap"
	"slices"
	"time"

	as "github.com/fbsession/fbsession/domain/agentstate"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// StateWaiting is the state a supervisor is shown for a live session no
// agent holds: waiting in a queue, or for the integration API's Route.
const StateWaiting = "Waiting"

// Live is a live session as a supervisor sees it: copied off the board,
// safe to keep.
type Live struct {
	ID string
	// State is StateWaiting, or fb.StatusInvited or fb.StatusChatting.
	State string
	// Queue is the queue the session waits in or last waited in; empty
	// for one never queued.
	Queue string
	// AgentID holds the session, offered or chatting; empty while it
	// waits.
	AgentID string
	// Since is when the session entered its state: its place in the
	// queue (kept through a declined offer), its offer, or its accept.
	Since time.Time
}

// AgentView is an agent as a supervisor sees it, copied off the router's
// picture (projections/router): their channels' state, their capacity on
// facebooksession, and the sessions they hold.
type AgentView struct {
	State    as.State
	Capacity int
	Sessions []Live
}

// live is s as a supervisor sees it.
func (s *session) live() Live {
	if s.agent != "" && (s.status == fb.StatusInvited || s.status == fb.StatusChatting) {
		return Live{ID: s.id, State: string(s.status), Queue: s.queue, AgentID: s.agent, Since: s.since}
	}
	since := s.since
	if s.waiting {
		since = s.waitingSince
	}
	return Live{ID: s.id, State: StateWaiting, Queue: s.queue, Since: since}
}

// olderLive orders live sessions oldest first: by Since, then id.
func olderLive(x, y Live) int {
	if c := x.Since.Compare(y.Since); c != 0 {
		return c
	}
	return cmp.Compare(x.ID, y.ID)
}

// Sessions are the limit oldest live sessions (not completed), oldest
// first (olderLive), and how many are live in all. It keeps at most limit
// at a time while it looks through the board, whatever the board holds.
func (b *Board) Sessions(limit int) (oldest []Live, total int) {
	if limit <= 0 {
		return nil, len(b.sessions)
	}
	h := &newestFirst{}
	for _, s := range b.sessions {
		l := s.live()
		switch {
		case h.Len() < limit:
			heap.Push(h, l)
		case olderLive(l, (*h)[0]) < 0:
			(*h)[0] = l
			heap.Fix(h, 0)
		}
	}
	oldest = *h
	slices.SortFunc(oldest, olderLive)
	return oldest, len(b.sessions)
}

// newestFirst is a heap whose top is the newest session kept: the one
// an older session replaces.
type newestFirst []Live

func (h newestFirst) Len() int           { return len(h) }
func (h newestFirst) Less(i, j int) bool { return olderLive(h[i], h[j]) > 0 }
func (h newestFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *newestFirst) Push(x any)        { *h = append(*h, x.(Live)) }
func (h *newestFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Held are the sessions each of the agents holds, offered or chatting,
// oldest first, at most perAgent each (an agent holds at most their
// capacity, but a transfer may give them more). Agents holding none are
// absent.
func (b *Board) Held(agents []string, perAgent int) map[string][]Live {
	wanted := make(map[string]bool, len(agents))
	for _, id := range agents {
		if a, ok := b.agents[id]; ok && a.load > 0 {
			wanted[id] = true
		}
	}
	out := make(map[string][]Live, len(wanted))
	if len(wanted) == 0 || perAgent <= 0 {
		return out
	}
	for _, s := range b.sessions {
		if wanted[s.agent] {
			l := s.live()
			if l.AgentID != "" {
				out[l.AgentID] = append(out[l.AgentID], l)
			}
		}
	}
	for id, list := range out {
		slices.SortFunc(list, olderLive)
		if len(list) > perAgent {
			out[id] = list[:perAgent:perAgent]
		}
	}
	return out
}
