package ctl

import (
	"encoding/json"
	"fmt"
	"strings"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
)

// watchedBody is what watch reads of a notification to summarise it:
// StatusChange, ParticipantsUpdated and PropertiesUpdated carry the
// resource; NewMessages (MessageLogUpdated) carries messages, or typing
// indicators on the integration subject. Unknown fields are ignored, so a
// newer service's notifications still print.
type watchedBody struct {
	ReferenceID        int64  `json:"referenceId"`
	NotificationType   string `json:"notificationType"`
	MessageType        string `json:"messageType"`
	FacebooksessionURI string `json:"facebooksessionUri"`
	Facebooksession    *struct {
		ID           string            `json:"id"`
		State        string            `json:"state"`
		Participants []gws.Participant `json:"participants"`
		UserData     json.RawMessage   `json:"userData"`
	} `json:"facebooksession"`
	Messages []gws.Message `json:"messages"`
	// Resync and Lost mark a corrective StatusChange after a failover
	// (docs/API.md §7).
	Resync bool `json:"resync"`
	Lost   bool `json:"lost"`
	// Channels are those of a ChannelStateChangeMessageV2.
	Channels []gws.ChannelChange `json:"channels"`
}

// summarise tells a notification in lines, escaped for a terminal:
//
//	StatusChange ref 3 s1 (OfferAccepted): Chatting, 2 participants: "VitaliyOnv" (Customer), "Anna" (Agent)
//	PropertiesUpdated ref 8 s1 (UserDataUpdated): Chatting, 2 participants: ...; userData keys: keep, x
//	NewMessages ref 4 s1 (AgentMessageSent): 2 messages
//	  #1 Customer "VitaliyOnv" 2026-11-24T09:02:00.000Z: "Hello,\nmy order is late"
//	  Agent "Anna" (a1) TypingStarted 2026-11-24T09:04:00.000Z
//
// events, the change's event types from the Fbsession-Events header,
// follow the session when the message has them. It returns nil for a body that is not a notification it knows (no
// notificationType), which watch then prints as JSON alone.
func summarise(subject, events string, data []byte) []string {
	var b watchedBody
	if err := json.Unmarshal(data, &b); err != nil {
		return nil
	}
	if b.MessageType == gws.MessageChannelStateChange {
		return []string{Printable(channelsLine(subject, events, b))}
	}
	if b.NotificationType == "" {
		return nil
	}
	head := b.NotificationType
	if b.ReferenceID != 0 {
		head += fmt.Sprintf(" ref %d", b.ReferenceID)
	}
	session := subject[strings.LastIndexByte(subject, '.')+1:]
	if b.Facebooksession != nil && b.Facebooksession.ID != "" {
		session = b.Facebooksession.ID
	}
	head += " " + session
	switch {
	case b.Lost:
		head += " (resync: lost in a failover)"
	case b.Resync:
		head += " (resync)"
	case events != "":
		head += " (" + events + ")"
	}
	head += ":"
	switch {
	case b.Facebooksession != nil:
		r := b.Facebooksession
		names := make([]string, len(r.Participants))
		for i, p := range r.Participants {
			names[i] = fmt.Sprintf(`"%s" (%s)`, p.Nickname, p.Type)
		}
		line := fmt.Sprintf("%s %s, %d participants", head, r.State, len(r.Participants))
		if len(names) > 0 {
			line += ": " + strings.Join(names, ", ")
		}
		if b.NotificationType == gws.NotificationPropertiesUpdated {
			line += "; userData keys: " + strings.Join(fb.UserDataKeys(r.UserData), ", ")
		}
		return []string{Printable(line)}
	case b.Messages != nil:
		texts := 0
		for _, m := range b.Messages {
			if m.Type == gws.MessageText {
				texts++
			}
		}
		line := fmt.Sprintf("%s %d messages", head, texts)
		if other := len(b.Messages) - texts; other > 0 {
			line += fmt.Sprintf(", %d typing indicators", other)
		}
		out := []string{Printable(line)}
		for _, m := range b.Messages {
			out = append(out, "  "+Printable(messageLine(m)))
		}
		return out
	}
	return []string{Printable(head + " " + b.MessageType)}
}

// messageLine is one message of a NewMessages: its index, author and text,
// or a typing indicator.
func messageLine(m gws.Message) string {
	from := fmt.Sprintf(`%s "%s"`, m.From.Type, m.From.Nickname)
	if m.Type != gws.MessageText {
		if m.From.ParticipantID != "" {
			from += " (" + m.From.ParticipantID + ")"
		}
		return fmt.Sprintf("%s %s %s", from, m.Type, m.Timestamp)
	}
	return fmt.Sprintf(`#%d %s %s: "%s"`, m.Index, from, m.Timestamp, m.Text)
}

// channelsLine tells a ChannelStateChangeMessageV2:
//
//	ChannelStateChangeMessageV2 ref 4 a1 (ChannelNotReady): facebooksession NotReady (Lunch)
func channelsLine(subject, events string, b watchedBody) string {
	line := b.MessageType
	if b.ReferenceID != 0 {
		line += fmt.Sprintf(" ref %d", b.ReferenceID)
	}
	tokens := strings.Split(subject, ".")
	if len(tokens) >= 2 {
		line += " " + tokens[len(tokens)-2]
	}
	if events != "" {
		line += " (" + events + ")"
	}
	states := make([]string, len(b.Channels))
	for i, c := range b.Channels {
		states[i] = c.Channel + " " + c.UserState.State
		if c.UserState.ReasonCode != "" {
			states[i] += " (" + c.UserState.ReasonCode + ")"
		}
	}
	return line + ": " + strings.Join(states, ", ")
}
