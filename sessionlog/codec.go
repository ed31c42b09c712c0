package sessionlog

import (
	"encoding/json"
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// SchemaVersion is the schema version of every event type this package
// writes. Decode accepts the versions it knows how to read.
const SchemaVersion = 1

// ErrUnknownEvent: Decode met an event type or schema version it cannot read.
var ErrUnknownEvent = errors.New("sessionlog: unknown event")

// Encode serialises an event for the store.
func Encode(e fb.Event) ([]byte, error) {
	stored, err := toStored(e)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(stored)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
	}
	return data, nil
}

func toStored(e fb.Event) (any, error) {
	switch e := e.(type) {
	case fb.SessionStarted:
		return sessionStarted{
			SessionID:           e.SessionID,
			AgentID:             e.AgentID,
			FacebooksessionType: e.FacebooksessionType,
			Comment:             e.Comment,
			ReceivedDate:        e.ReceivedDate,
			UserData:            e.UserData,
			Participants:        fromParticipants(e.Participants),
			Status:              e.Status,
			SuggestedQueueURIs:  e.SuggestedQueueURIs,
			QueueName:           e.QueueName,
			Channel:             e.Channel,
		}, nil
	case fb.SessionEnded:
		return sessionEnded(e), nil
	case fb.InteractionCompleted:
		return interactionCompleted(e), nil
	case fb.QueuedTo:
		return queuedTo(e), nil
	case fb.OfferAccepted:
		return offerAccepted(e), nil
	case fb.OfferRejected:
		return agentOnly(e), nil
	case fb.AgentMessageSent:
		return agentMessageSent{AgentID: e.AgentID, Message: fromMessage(e.Message)}, nil
	case fb.CustomerMessageReceived:
		return customerMessageReceived{Message: fromMessage(e.Message)}, nil
	case fb.AgentTypingStarted:
		return agentOnly(e), nil
	case fb.AgentTypingStopped:
		return agentOnly(e), nil
	case fb.TransferredToAgent:
		return transferredToAgent(e), nil
	case fb.TransferredToQueue:
		return transferredToQueue(e), nil
	case fb.AgentLeft:
		return agentOnly(e), nil
	case fb.SessionFocused:
		return agentOnly(e), nil
	case fb.UserDataUpdated:
		return userDataUpdated(e), nil
	case fb.UserDataDeleted:
		return userDataDeleted(e), nil
	case fb.SessionRouted:
		return sessionRouted{AgentID: e.AgentID, Decision: fromDecision(e.Decision)}, nil
	case fb.OfferTimedOut:
		return offerTimedOut(e), nil
	case fb.SessionWithdrawn:
		return agentOnly(e), nil
	case fb.MessageSending:
		return messageSending(e), nil
	case fb.MessageRelayed:
		return messageRelayed(e), nil
	case fb.MessageUndeliverable:
		return messageUndeliverable(e), nil
	case fb.CustomerRead:
		return receipt{Watermark: e.Watermark.UTC()}, nil
	case fb.MessagesDelivered:
		return receipt{Watermark: e.Watermark.UTC()}, nil
	}
	return nil, fmt.Errorf("%w: cannot encode %T", ErrUnknownEvent, e)
}

// Decode reads an event written by Encode.
func Decode(eventType string, schemaVersion int, data []byte) (fb.Event, error) {
	if schemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: %s schema version %d", ErrUnknownEvent, eventType, schemaVersion)
	}
	e, err := fromStored(eventType, data)
	if err != nil && !errors.Is(err, ErrUnknownEvent) {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, err
}

func fromStored(eventType string, data []byte) (fb.Event, error) {
	switch eventType {
	case fb.TypeSessionStarted:
		s, err := unmarshal[sessionStarted](data)
		return fb.SessionStarted{
			SessionID:           s.SessionID,
			AgentID:             s.AgentID,
			FacebooksessionType: s.FacebooksessionType,
			Comment:             s.Comment,
			ReceivedDate:        s.ReceivedDate,
			UserData:            s.UserData,
			Participants:        toParticipants(s.Participants),
			Status:              startedStatus(s.Status),
			SuggestedQueueURIs:  s.SuggestedQueueURIs,
			QueueName:           s.QueueName,
			Channel:             s.Channel,
		}, err
	case fb.TypeSessionEnded:
		s, err := unmarshal[sessionEnded](data)
		return fb.SessionEnded(s), err
	case fb.TypeInteractionCompleted:
		s, err := unmarshal[interactionCompleted](data)
		return fb.InteractionCompleted(s), err
	case fb.TypeQueuedTo:
		s, err := unmarshal[queuedTo](data)
		return fb.QueuedTo(s), err
	case fb.TypeOfferAccepted:
		s, err := unmarshal[offerAccepted](data)
		return fb.OfferAccepted(s), err
	case fb.TypeOfferRejected:
		s, err := unmarshal[agentOnly](data)
		return fb.OfferRejected(s), err
	case fb.TypeAgentMessageSent:
		s, err := unmarshal[agentMessageSent](data)
		return fb.AgentMessageSent{AgentID: s.AgentID, Message: toMessage(s.Message)}, err
	case fb.TypeCustomerMessageReceived:
		s, err := unmarshal[customerMessageReceived](data)
		return fb.CustomerMessageReceived{Message: toMessage(s.Message)}, err
	case fb.TypeAgentTypingStarted:
		s, err := unmarshal[agentOnly](data)
		return fb.AgentTypingStarted(s), err
	case fb.TypeAgentTypingStopped:
		s, err := unmarshal[agentOnly](data)
		return fb.AgentTypingStopped(s), err
	case fb.TypeTransferredToAgent:
		s, err := unmarshal[transferredToAgent](data)
		return fb.TransferredToAgent(s), err
	case fb.TypeTransferredToQueue:
		s, err := unmarshal[transferredToQueue](data)
		return fb.TransferredToQueue(s), err
	case fb.TypeAgentLeft:
		s, err := unmarshal[agentOnly](data)
		return fb.AgentLeft(s), err
	case fb.TypeSessionFocused:
		s, err := unmarshal[agentOnly](data)
		return fb.SessionFocused(s), err
	case fb.TypeUserDataUpdated:
		s, err := unmarshal[userDataUpdated](data)
		return fb.UserDataUpdated(s), err
	case fb.TypeUserDataDeleted:
		s, err := unmarshal[userDataDeleted](data)
		return fb.UserDataDeleted(s), err
	case fb.TypeSessionRouted:
		s, err := unmarshal[sessionRouted](data)
		return fb.SessionRouted{AgentID: s.AgentID, Decision: toDecision(s.Decision)}, err
	case fb.TypeOfferTimedOut:
		s, err := unmarshal[offerTimedOut](data)
		return fb.OfferTimedOut(s), err
	case fb.TypeSessionWithdrawn:
		s, err := unmarshal[agentOnly](data)
		return fb.SessionWithdrawn(s), err
	case fb.TypeMessageSending:
		s, err := unmarshal[messageSending](data)
		return fb.MessageSending(s), err
	case fb.TypeMessageRelayed:
		s, err := unmarshal[messageRelayed](data)
		return fb.MessageRelayed(s), err
	case fb.TypeMessageUndeliverable:
		s, err := unmarshal[messageUndeliverable](data)
		return fb.MessageUndeliverable(s), err
	case fb.TypeCustomerRead:
		s, err := unmarshal[receipt](data)
		return fb.CustomerRead(s), err
	case fb.TypeMessagesDelivered:
		s, err := unmarshal[receipt](data)
		return fb.MessagesDelivered(s), err
	}
	return nil, fmt.Errorf("%w: type %q", ErrUnknownEvent, eventType)
}

func unmarshal[T any](data []byte) (T, error) {
	var v T
	err := json.Unmarshal(data, &v)
	return v, err
}

func fromMessage(m fb.Message) message {
	return message{Index: m.Index, Nickname: m.Nickname, ParticipantID: m.ParticipantID, Text: m.Text, At: m.At.UTC()}
}

func toMessage(m message) fb.Message { return fb.Message(m) }

// startedStatus upcasts the status a session started in: sessions were
// first started chatting, with no status recorded.
func startedStatus(s fb.Status) fb.Status {
	if s == fb.StatusNone {
		return fb.StatusChatting
	}
	return s
}

// DecodeStartedBrief reads of a stored SessionStarted only what routing
// needs (the id, the agent, the status, the queue), leaving the user data
// and the participants unread: a reader of the whole log, such as the
// router folding it at each start, then allocates a few strings, not the
// session's kilobytes.
func DecodeStartedBrief(schemaVersion int, data []byte) (fb.SessionStarted, error) {
	if schemaVersion != SchemaVersion {
		return fb.SessionStarted{}, fmt.Errorf("%w: %s schema version %d", ErrUnknownEvent, fb.TypeSessionStarted, schemaVersion)
	}
	var s struct {
		SessionID string    `json:"sessionId"`
		AgentID   string    `json:"agentId"`
		Status    fb.Status `json:"state"`
		QueueName string    `json:"queueName"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return fb.SessionStarted{}, fmt.Errorf("decode %s: %w", fb.TypeSessionStarted, err)
	}
	return fb.SessionStarted{SessionID: s.SessionID, AgentID: s.AgentID, Status: startedStatus(s.Status), QueueName: s.QueueName}, nil
}
