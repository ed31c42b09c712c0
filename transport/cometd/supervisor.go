package cometd

import "github.com/fbsession/fbsession/users"

// The supervisors' channels (docs/COMETD.md): every agent's channel
// states, and every session's integration-side notifications.
const (
	// SupervisorChannelsChannel carries each agent's
	// ChannelStateChangeMessageV2 as {"userId":..., "message":<body>}.
	SupervisorChannelsChannel = "/v2/supervisor/channels"
	// SupervisorSessionsChannel carries each notification of every
	// session as the integration side gets it, the NATS body as it is.
	SupervisorSessionsChannel = "/v2/supervisor/facebooksession"

	supervisorWildcard    = "/v2/supervisor/*"
	supervisorWildcardAll = "/v2/supervisor/**"
)

// reasonPermission: the user lost the role or feature a channel the
// client subscribed to needs.
const reasonPermission = "permission"

// mine tells the channels over /v2/me, which carry the user's own
// notifications and need the api-multimedia feature.
func mine(channel string) bool {
	switch channel {
	case Channel, ChannelsChannel, wildcardChannels, wildcardAllChannels:
		return true
	}
	return false
}

// supervising tells the channels over /v2/supervisor, which need the
// supervisor role.
func supervising(channel string) bool {
	switch channel {
	case SupervisorChannelsChannel, SupervisorSessionsChannel, supervisorWildcard, supervisorWildcardAll:
		return true
	}
	return false
}

// mayReceive tells whether u may subscribe to channel.
func mayReceive(u users.User, channel string) bool {
	switch {
	case mine(channel):
		return u.HasFeature(users.FeatureMultimedia)
	case supervising(channel):
		return u.Has(users.RoleSupervisor)
	}
	return false
}

// admit tells whether u may hold a client at all: an agent desktop's
// feature, or the supervisor role (a supervisor's page needs no
// api-multimedia; it may then subscribe only to /v2/supervisor). Each
// request's credentials pass here, so it also drops u's clients that
// hold channels u may no longer receive: a role or feature taken away
// while they were connected.
func (s *Server) admit(u users.User) bool {
	for _, c := range s.feed.revoked(u) {
		s.drop(c, reasonPermission)
	}
	return u.HasFeature(users.FeatureMultimedia) || u.Has(users.RoleSupervisor)
}

// leave removes c from every feed it is in.
func (f *fanout) leave(c *client) {
	f.leaveUser(c)
	f.leaveSupervisors(c)
}
