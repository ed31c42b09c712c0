package router

import (
	"time"

	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/domain/routing"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queuelog"
)

// picture is what the router folds the log into: the board, and the
// queues' states that set it up.
type picture struct {
	board  *routing.Board
	queues map[string]queue.State
	// agents are the agents' channel states, as GET /me/channels shows
	// them, for the supervisors (Agents).
	agents map[string]as.State
}

func newPicture() *picture {
	return &picture{board: routing.New(), queues: map[string]queue.State{}, agents: map[string]as.State{}}
}

// applyQueue folds an event of a queue's stream into the board; ok is
// false for a stream that is no queue's.
func (p *picture) applyQueue(rec *eventstore.RecordedEvent) (ok bool, err error) {
	name, ok := queuelog.Name(rec.StreamID)
	if !ok {
		return false, nil
	}
	s, err := queuelog.Evolve(p.queues[name], rec)
	if err != nil {
		return true, err
	}
	p.queues[name] = s
	if !s.Exists() {
		p.board.RemoveQueue(name)
		return true, nil
	}
	p.board.SetQueue(routing.Queue{
		Name: name, OfferTimeout: time.Duration(s.OfferTimeoutSeconds) * time.Second,
		NoAnswerNotReady: s.NoAnswerNotReady, Members: s.Members,
	})
	return true, nil
}
