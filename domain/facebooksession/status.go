package facebooksession

import "slices"

// Status is the GWS "state" of the resource.
type Status string

const (
	// StatusNone is the state of a stream with no events: no session.
	StatusNone Status = ""
	// StatusInvited: offered to the agent, who accepts or rejects it.
	StatusInvited  Status = "Invited"
	StatusChatting Status = "Chatting"
	// StatusCompleted: done as far as its agent is concerned. A session
	// that was rejected, left or queued is Completed too, and waits for
	// the routing side (State.Routable).
	StatusCompleted Status = "Completed"
)

// The agent operations of the API, by their operationName.
const (
	OperationAccept          = "Accept"
	OperationReject          = "Reject"
	OperationTransfer        = "Transfer"
	OperationComplete        = "Complete"
	OperationLeave           = "Leave"
	OperationInFocus         = "InFocus"
	OperationSendMessage     = "SendMessage"
	OperationStartTyping     = "SendStartTypingNotification"
	OperationStopTyping      = "SendStopTypingNotification"
	OperationUpdateUserData  = "UpdateUserData"
	OperationDeleteUserData  = "DeleteUserData"
	OperationCustomerMessage = "CustomerMessage"
	OperationCustomerLeft    = "CustomerLeft"
	OperationRoute           = "Route"
	OperationWithdraw        = "Withdraw"
	// OperationTimeOut is the router's: never an operation of the API.
	OperationTimeOut = "TimeOut"
)

// Capabilities lists exactly the agent operations valid in a status, in
// the API's order: the table of docs/API.md. Decide and
// the resource's capabilities both read it, so a desktop is never offered
// a button that would fail, nor refused one it was offered. A new slice
// the caller may keep.
func (s Status) Capabilities() []string {
	row, n := s.row()
	return append([]string{}, row[:n]...)
}

// Allows tells whether an agent operation is valid in the status, without
// making the list: every operation asks it.
func (s Status) Allows(operation string) bool {
	row, n := s.row()
	return slices.Contains(row[:n], operation)
}

// row is the capability table's row of the status, as a value.
func (s Status) row() (row [9]string, n int) {
	switch s {
	case StatusInvited:
		return [9]string{OperationAccept, OperationReject}, 2
	case StatusChatting:
		return [9]string{
			OperationTransfer, OperationComplete, OperationLeave, OperationInFocus,
			OperationSendMessage, OperationStartTyping, OperationStopTyping,
			OperationUpdateUserData, OperationDeleteUserData,
		}, 9
	}
	return row, 0
}

// AgentOperations are the operationNames an agent may send, in the order
// of the capability table.
func AgentOperations() []string {
	return append(StatusInvited.Capabilities(), StatusChatting.Capabilities()...)
}

// IntegrationOperations are the operationNames the integration side may
// send on a session.
func IntegrationOperations() []string {
	return []string{OperationCustomerMessage, OperationCustomerLeft, OperationRoute, OperationWithdraw}
}
