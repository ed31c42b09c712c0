package queue

// Operation names, as the log records them with each event's metadata.
const (
	OperationAdd           = "AddQueue"
	OperationSet           = "SetQueue"
	OperationRemove        = "RemoveQueue"
	OperationAddMembers    = "AddQueueMembers"
	OperationRemoveMembers = "RemoveQueueMembers"
)

// Command is one of the operations the aggregate decides on. Each names
// who sends it (By), which the command side records as the actor.
type Command interface {
	Operation() string
}

// Add makes a queue. ID is the queue's new id, which the command side
// assigns before deciding (a number from a durable sequence): the domain
// has no source of ids.
type Add struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// OfferTimeoutSeconds is how long an offer waits for the agent; 0 is
	// DefaultOfferTimeoutSeconds.
	OfferTimeoutSeconds int `json:"offerTimeoutSeconds,omitempty"`
	// NoAnswerNotReady, nil for the default (true), tells whether an agent
	// who lets an offer time out is set NotReady with reason NoAnswer.
	NoAnswerNotReady *bool  `json:"noAnswerNotReady,omitempty"`
	By               string `json:"by"`
}

// Set changes a queue's settings; a nil field keeps its value.
type Set struct {
	OfferTimeoutSeconds *int   `json:"offerTimeoutSeconds,omitempty"`
	NoAnswerNotReady    *bool  `json:"noAnswerNotReady,omitempty"`
	By                  string `json:"by"`
}

// Remove removes a queue. Its name may be added again, as a new queue
// with a new id and no members.
type Remove struct {
	By string `json:"by"`
}

// AddMembers makes agents members of the queue; those already members
// are left as they are.
type AddMembers struct {
	Agents []string `json:"agents"`
	By     string   `json:"by"`
}

// RemoveMembers takes agents out of the queue; those not members are
// ignored.
type RemoveMembers struct {
	Agents []string `json:"agents"`
	By     string   `json:"by"`
}

func (Add) Operation() string           { return OperationAdd }
func (Set) Operation() string           { return OperationSet }
func (Remove) Operation() string        { return OperationRemove }
func (AddMembers) Operation() string    { return OperationAddMembers }
func (RemoveMembers) Operation() string { return OperationRemoveMembers }
