package ctl

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
)

// A user or session id reaches a NATS subject: one that is not an id (a
// wildcard, a dot) would widen the subscription, so it is refused.
func TestWatchSubjectTakesOnlyIDs(t *testing.T) {
	t.Parallel()
	c := &CLI{cfg: config.Config{SubjectPrefix: "gws.v2"}}
	got, err := c.watchSubject(watchFlags{})
	require.NoError(t, err)
	require.Equal(t, "gws.v2.users.*.facebooksession.>", got)
	got, err = c.watchSubject(watchFlags{userID: "a1", sessionID: "s-1"})
	require.NoError(t, err)
	require.Equal(t, "gws.v2.users.a1.facebooksession.s-1", got)
	got, err = c.watchSubject(watchFlags{integration: true})
	require.NoError(t, err)
	require.Equal(t, "gws.v2.integration.facebooksession.>", got)
	got, err = c.watchSubject(watchFlags{integration: true, sessionID: "s-1"})
	require.NoError(t, err)
	require.Equal(t, "gws.v2.integration.facebooksession.s-1", got)
	for _, bad := range []watchFlags{{sessionID: ">"}, {sessionID: "a.b"}, {userID: "*"}, {userID: "a b"},
		{integration: true, sessionID: "*"}, {integration: true, userID: "a1"}} {
		_, err := c.watchSubject(bad)
		require.Error(t, err, "%+v", bad)
	}
}

// --channels watches the agents' channel states, every agent's or one's.
func TestWatchChannelsSubject(t *testing.T) {
	t.Parallel()
	c := &CLI{cfg: config.Config{SubjectPrefix: "gws.v2"}}
	for _, tc := range []struct {
		f    watchFlags
		want string
	}{
		{watchFlags{channels: true}, "gws.v2.users.*.channels"},
		{watchFlags{channels: true, userID: "a1"}, "gws.v2.users.a1.channels"},
	} {
		got, err := c.watchSubject(tc.f)
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
	}
}
