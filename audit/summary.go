package audit

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// SummaryTextRunes bounds how much of a message's text a summary quotes.
const SummaryTextRunes = 60

// Summary is one line telling what an event did, for history: who joined,
// who wrote what (the text cut at SummaryTextRunes), where a transfer went,
// which user data keys changed. The text is as stored: a terminal shows it
// through an escaping of its own (fbsessionctl's Printable).
func Summary(e fb.Event) string {
	switch e := e.(type) {
	case fb.SessionStarted:
		if e.QueueName != "" {
			return fmt.Sprintf("queued to %s; participants: %s", e.QueueName, participants(e.Participants))
		}
		return fmt.Sprintf("%s to %s; participants: %s", e.Status, e.AgentID, participants(e.Participants))
	case fb.SessionEnded:
		if e.ByCustomer {
			return "the customer ended the Facebook session and left"
		}
		return "Facebook session ended"
	case fb.InteractionCompleted:
		return "interaction completed"
	case fb.QueuedTo:
		return "queued to " + e.QueueName
	case fb.OfferAccepted:
		return fmt.Sprintf("%s joined as %s", e.AgentID, quote(e.Nickname))
	case fb.OfferRejected:
		return e.AgentID + " rejected the offer"
	case fb.AgentMessageSent:
		return said(e.Message, fb.ParticipantAgent)
	case fb.CustomerMessageReceived:
		return said(e.Message, fb.ParticipantCustomer)
	case fb.AgentTypingStarted:
		return e.AgentID + " started typing"
	case fb.AgentTypingStopped:
		return e.AgentID + " stopped typing"
	case fb.TransferredToAgent:
		return fmt.Sprintf("transfer %s -> %s (offered)", e.FromAgentID, e.ToAgentID)
	case fb.TransferredToQueue:
		return fmt.Sprintf("transfer %s -> queue %s", e.FromAgentID, e.QueueName)
	case fb.AgentLeft:
		return e.AgentID + " left; waits for routing"
	case fb.SessionFocused:
		return "in focus on " + e.AgentID + "'s desktop"
	case fb.UserDataUpdated:
		return "userData set: " + strings.Join(fb.UserDataKeys(e.UserData), ", ")
	case fb.UserDataDeleted:
		return "userData deleted: " + strings.Join(e.Keys, ", ")
	case fb.SessionRouted:
		if d := e.Decision; d != nil {
			return fmt.Sprintf("routed to %s (offered) from queue %s by %s, %d of %d members weighed", e.AgentID, d.Queue, d.Rule, len(d.Candidates), d.Members)
		}
		return "routed to " + e.AgentID + " (offered)"
	case fb.OfferTimedOut:
		return fmt.Sprintf("%s let offer %d time out after %ds; waits for routing", e.AgentID, e.Offer, e.TimeoutSeconds)
	case fb.SessionWithdrawn:
		return "taken back from " + e.AgentID + " to wait for routing"
	case fb.MessageSending:
		return fmt.Sprintf("relaying #%d to Messenger (attempt %d)", e.Index, e.Attempt)
	case fb.MessageRelayed:
		if e.Tag != "" {
			return fmt.Sprintf("#%d relayed to Messenger as %s (%s, tag %s)", e.Index, e.MessageID, e.MessagingType, e.Tag)
		}
		return fmt.Sprintf("#%d relayed to Messenger as %s (%s)", e.Index, e.MessageID, e.MessagingType)
	case fb.MessageUndeliverable:
		return fmt.Sprintf("#%d undeliverable on Messenger: code %d, %s", e.Index, e.Code, quote(e.Reason))
	case fb.CustomerRead:
		return "customer read the Page's messages up to " + e.Watermark.UTC().Format(time.RFC3339)
	case fb.MessagesDelivered:
		return "the Page's messages up to " + e.Watermark.UTC().Format(time.RFC3339) + " reached the customer"
	}
	return ""
}

// said is a message as history shows it: #index, who, and the text.
func said(m fb.Message, fromType string) string {
	return fmt.Sprintf("#%d %s %s: %s", m.Index, fromType, quote(m.Nickname), quote(truncate(m.Text, SummaryTextRunes)))
}

func participants(ps []fb.Participant) string {
	if len(ps) == 0 {
		return "none"
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = fmt.Sprintf("%s (%s)", quote(p.Nickname), p.Type)
	}
	return strings.Join(names, ", ")
}

// quote encloses s in double quotes, doubling none: the text is shown as
// stored, a quote in it included.
func quote(s string) string { return `"` + s + `"` }

// truncate cuts s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := 0
	for i := range s {
		if runes == n-1 {
			return s[:i] + "…"
		}
		runes++
	}
	return s
}
