package queue

import "slices"

// State is a queue as its events leave it. The zero State is a queue
// never added; a removed one keeps its last name and id with Removed set.
type State struct {
	ID                  string
	Name                string
	OfferTimeoutSeconds int
	NoAnswerNotReady    bool
	// Members are the agents' user ids, sorted and each once.
	Members []string
	Removed bool
}

// Exists tells whether the queue was added and not removed since.
func (s State) Exists() bool { return s.ID != "" && !s.Removed }

// IsMember tells whether agent is a member of the queue.
func (s State) IsMember(agent string) bool {
	_, ok := slices.BinarySearch(s.Members, agent)
	return ok
}

// Evolve folds one event into the state. It never shares the members of
// s with the state it returns, which a caller may keep.
func Evolve(s State, e Event) State {
	switch e := e.(type) {
	case QueueAdded:
		// A name added again after a removal starts afresh.
		return State{ID: e.ID, Name: e.Name, OfferTimeoutSeconds: e.OfferTimeoutSeconds, NoAnswerNotReady: e.NoAnswerNotReady, Members: []string{}}
	case QueueChanged:
		s.OfferTimeoutSeconds, s.NoAnswerNotReady = e.OfferTimeoutSeconds, e.NoAnswerNotReady
		s.Members = slices.Clone(s.Members)
	case QueueRemoved:
		s.Removed, s.Members = true, []string{}
	case QueueMembersAdded:
		s.Members = sortedSet(append(slices.Clone(s.Members), e.Agents...))
	case QueueMembersRemoved:
		gone := make(map[string]bool, len(e.Agents))
		for _, a := range e.Agents {
			gone[a] = true
		}
		s.Members = slices.DeleteFunc(slices.Clone(s.Members), func(m string) bool { return gone[m] })
	default:
		s.Members = slices.Clone(s.Members)
	}
	return s
}

// sortedSet is ids sorted, each once; it reuses ids' array.
func sortedSet(ids []string) []string {
	slices.Sort(ids)
	return slices.Compact(ids)
}
