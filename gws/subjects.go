package gws

import "strings"

// The kinds of notification subject: an agent's, and the integration
// side's (the routing system and the Facebook connector).
const (
	KindUsers       = "users"
	KindIntegration = "integration"
)

// Subjects is the NATS subject scheme of the notifications under a prefix
// ("gws.v2" by default), and the permissions derived from it:
//
//	<prefix>.users.<agentId>.facebooksession.<sessionId>
//	<prefix>.users.<agentId>.channels
//	<prefix>.integration.facebooksession.<sessionId>
//
// Agent and session ids are restricted to [A-Za-z0-9_-] at intake, so
// neither can inject a token; a subscription may pass the wildcards * and
// > for them instead.
type Subjects struct {
	prefix string
}

// NewSubjects is the scheme under prefix.
func NewSubjects(prefix string) Subjects { return Subjects{prefix: prefix} }

// Prefix is the subjects' first tokens.
func (s Subjects) Prefix() string { return s.prefix }

// User is where a session's notifications go for its agent.
func (s Subjects) User(agentID, sessionID string) string {
	return s.prefix + ".users." + agentID + ".facebooksession." + sessionID
}

// Channels is where an agent's channel notifications go
// (ChannelStateChangeMessageV2).
func (s Subjects) Channels(agentID string) string {
	return s.prefix + ".users." + agentID + ".channels"
}

// UserAll matches every notification of an agent: their sessions' and
// their channels'.
func (s Subjects) UserAll(agentID string) string { return s.prefix + ".users." + agentID + ".>" }

// AllUsers matches every agent's notifications.
func (s Subjects) AllUsers() string { return s.prefix + ".users.>" }

// Integration is where the integration side gets every notification of a
// session.
func (s Subjects) Integration(sessionID string) string {
	return s.prefix + ".integration.facebooksession." + sessionID
}

// AllIntegration matches every notification of the integration side.
func (s Subjects) AllIntegration() string { return s.prefix + ".integration.>" }

// Stream is what the JetStream stream of the notifications captures.
func (s Subjects) Stream() []string { return []string{s.AllUsers(), s.AllIntegration()} }

// ServiceSubscribe is what fbsessiond's NATS user subscribes to besides its
// inboxes: every agent's notifications, which it relays to the CometD
// clients it holds, whichever process published them: one subscription
// per user with clients (UserAll) carries their sessions' and channels';
// and, while it holds a supervisor's client, every agent's channels
// (Channels("*")) and every session's integration subject
// (Integration("*")).
func (s Subjects) ServiceSubscribe() []string {
	return []string{s.prefix + ".users.*.>", s.Integration("*")}
}

// WatcherSubscribe is what a read-only watcher may subscribe to: every
// notification, the agents' and the integration side's.
func (s Subjects) WatcherSubscribe() []string {
	return []string{s.User("*", ">"), s.Channels("*"), s.Integration(">")}
}

// Parse tells whom a subject under the prefix addresses: kind KindUsers
// with the agent, or KindIntegration; and the session when the subject
// names one. ok is false for a subject of neither kind.
func (s Subjects) Parse(subject string) (kind, agentID, sessionID string, ok bool) {
	rest, ok := strings.CutPrefix(subject, s.prefix+".")
	if !ok {
		return "", "", "", false
	}
	if user, ok := strings.CutPrefix(rest, "users."); ok {
		agentID, tail, _ := strings.Cut(user, ".")
		return KindUsers, agentID, sessionOf(tail), true
	}
	if tail, ok := strings.CutPrefix(rest, "integration."); ok {
		return KindIntegration, "", sessionOf(tail), true
	}
	return "", "", "", false
}

// sessionOf is the session id ending a subject's tail, "" when the tail
// names none.
func sessionOf(tail string) string {
	sessionID, _ := strings.CutPrefix(tail, "facebooksession.")
	if sessionID == tail {
		return ""
	}
	return sessionID
}
