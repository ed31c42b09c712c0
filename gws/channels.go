package gws

import (
	"fmt"

	as "github.com/fbsession/fbsession/domain/agentstate"
)

// meBody is the body of POST /me: StartContactCenterSession with its
// channels, or EndContactCenterSession.
type meBody struct {
	OperationName *string  `json:"operationName"`
	Channels      []string `json:"channels"`
}

// channelBody is the body of POST /me/channels/{channel} and of a
// supervisor's POST /users/{id}/channels/{channel}.
type channelBody struct {
	OperationName *string `json:"operationName"`
	ReasonCode    *string `json:"reasonCode"`
}

// DecodeMeOperation reads a body of POST /me as the command of sender. A
// body that is no JSON object, or an operationName that is neither
// StartContactCenterSession nor EndContactCenterSession, is an
// ErrInvalidBody; a missing operationName, or channels missing from a
// start, an ErrMissingParameter. The aggregate judges the channels.
func DecodeMeOperation(body []byte, sender as.Sender) (as.Command, error) {
	var b meBody
	if err := DecodeObject(body, &b); err != nil {
		return nil, err
	}
	if b.OperationName == nil {
		return nil, missing("operationName")
	}
	switch *b.OperationName {
	case as.OperationStartSession:
		if b.Channels == nil {
			return nil, missing("channels")
		}
		return as.StartSession{Sender: sender, Channels: b.Channels}, nil
	case as.OperationEndSession:
		return as.EndSession{Sender: sender}, nil
	}
	return nil, unsupported(*b.OperationName, as.SessionOperations())
}

// DecodeChannelOperation reads a body of an operation on channel:
// Ready, or NotReady with an optional reasonCode.
func DecodeChannelOperation(body []byte, sender as.Sender, channel string) (as.Command, error) {
	var b channelBody
	if err := DecodeObject(body, &b); err != nil {
		return nil, err
	}
	if b.OperationName == nil {
		return nil, missing("operationName")
	}
	switch *b.OperationName {
	case as.OperationReady:
		return as.SetReady{Sender: sender, Channel: channel}, nil
	case as.OperationNotReady:
		cmd := as.SetNotReady{Sender: sender, Channel: channel}
		if b.ReasonCode != nil {
			if *b.ReasonCode == "" {
				return nil, fmt.Errorf("%w: reasonCode must not be empty; leave it out for none", as.ErrInvalid)
			}
			cmd.ReasonCode = *b.ReasonCode
		}
		return cmd, nil
	}
	return nil, unsupported(*b.OperationName, as.ChannelOperations())
}

// UserState is a channel's state as GWS shows it: the id and display
// name of the agent state, and its name.
type UserState struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	State       string `json:"state"`
	// ReasonCode is the reason a NotReady was given, if any.
	ReasonCode string `json:"reasonCode,omitempty"`
}

// Channel is the channel resource of GET /me/channels.
type Channel struct {
	Channel   string    `json:"channel"`
	UserState UserState `json:"userState"`
}

// ChannelChange is a channel as ChannelStateChangeMessageV2 shows it.
type ChannelChange struct {
	Channel   string    `json:"channel"`
	DNDState  string    `json:"dndState"`
	UserState UserState `json:"userState"`
}

// The ids of the agent states: Ready's and NotReady's are the ones GWS
// shows for its system states; LoggedOut's is fbsession's own.
const (
	stateIDReady     = "9430250E-0A1B-421F-B372-F29E69366DED"
	stateIDNotReady  = "900D55CC-2BB0-431F-8BF9-D3525B383BE6"
	stateIDLoggedOut = "6C3A3E0F-8F3B-4C1E-9D2A-5B7E0A1F4C2D"
)

// userState is the GWS agent state of a channel.
func userState(c as.Channel) UserState {
	switch c.Status {
	case as.StatusReady:
		return UserState{ID: stateIDReady, DisplayName: "Ready", State: string(as.StatusReady)}
	case as.StatusLoggedOut:
		return UserState{ID: stateIDLoggedOut, DisplayName: "Logged Out", State: string(as.StatusLoggedOut)}
	}
	return UserState{ID: stateIDNotReady, DisplayName: "Not Ready", State: string(as.StatusNotReady), ReasonCode: c.ReasonCode}
}

// Channels are an agent's channels as GET /me/channels shows them: none
// outside a contact center session.
func Channels(s as.State) []Channel {
	out := make([]Channel, len(s.Channels))
	for i, c := range s.Channels {
		out[i] = Channel{Channel: c.Name, UserState: userState(c)}
	}
	return out
}

// MessageChannelStateChange is the messageType of an agent's channel
// notifications.
const MessageChannelStateChange = "ChannelStateChangeMessageV2"

// ChannelStateChange is the notification of an agent's channels after a
// change: those the change touched, with their new state.
type ChannelStateChange struct {
	// ReferenceID is the referenceId of the request that caused it.
	ReferenceID int64           `json:"referenceId,omitempty"`
	Channels    []ChannelChange `json:"channels"`
	MessageType string          `json:"messageType"`
}

// ChannelStateChangeOf is the notification of event e, caused by the
// request answered with referenceID.
func ChannelStateChangeOf(referenceID int64, e as.Event) ChannelStateChange {
	var changed []as.Channel
	switch e := e.(type) {
	case as.SessionStarted:
		for _, name := range e.Channels {
			changed = append(changed, as.Channel{Name: name, Status: as.StatusNotReady})
		}
	case as.SessionEnded:
		for _, name := range e.Channels {
			changed = append(changed, as.Channel{Name: name, Status: as.StatusLoggedOut})
		}
	case as.ChannelReady:
		changed = []as.Channel{{Name: e.Channel, Status: as.StatusReady}}
	case as.ChannelNotReady:
		changed = []as.Channel{{Name: e.Channel, Status: as.StatusNotReady, ReasonCode: e.ReasonCode}}
	}
	n := ChannelStateChange{ReferenceID: referenceID, Channels: make([]ChannelChange, len(changed)), MessageType: MessageChannelStateChange}
	for i, c := range changed {
		n.Channels[i] = ChannelChange{Channel: c.Name, DNDState: "Off", UserState: userState(c)}
	}
	return n
}
