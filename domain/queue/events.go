package queue

// Event types as stored in the log: never renamed.
const (
	TypeQueueAdded          = "QueueAdded"
	TypeQueueChanged        = "QueueChanged"
	TypeQueueRemoved        = "QueueRemoved"
	TypeQueueMembersAdded   = "QueueMembersAdded"
	TypeQueueMembersRemoved = "QueueMembersRemoved"
)

// Event is something that happened to a queue.
type Event interface{ EventType() string }

// QueueAdded: the queue exists, with these settings and no members.
type QueueAdded struct {
	ID                  string
	Name                string
	OfferTimeoutSeconds int
	NoAnswerNotReady    bool
}

// QueueChanged: the queue's settings are now these, all of them, so that
// a reader needs no earlier event to know them.
type QueueChanged struct {
	OfferTimeoutSeconds int
	NoAnswerNotReady    bool
}

// QueueRemoved: the queue is gone, with its members.
type QueueRemoved struct{}

// QueueMembersAdded: Agents, none a member before, are members now.
type QueueMembersAdded struct{ Agents []string }

// QueueMembersRemoved: Agents, each a member before, are members no more.
type QueueMembersRemoved struct{ Agents []string }

func (QueueAdded) EventType() string          { return TypeQueueAdded }
func (QueueChanged) EventType() string        { return TypeQueueChanged }
func (QueueRemoved) EventType() string        { return TypeQueueRemoved }
func (QueueMembersAdded) EventType() string   { return TypeQueueMembersAdded }
func (QueueMembersRemoved) EventType() string { return TypeQueueMembersRemoved }
