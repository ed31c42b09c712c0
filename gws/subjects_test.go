package gws_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/gws"
)

// The subjects are the wire: subscribers and NATS permissions name them.
func TestSubjects(t *testing.T) {
	t.Parallel()
	s := gws.NewSubjects("gws.v2")
	require.Equal(t, "gws.v2", s.Prefix())
	require.Equal(t, "gws.v2.users.a1.facebooksession.s1", s.User("a1", "s1"))
	require.Equal(t, "gws.v2.users.>", s.AllUsers())
	require.Equal(t, "gws.v2.integration.facebooksession.s1", s.Integration("s1"))
	require.Equal(t, "gws.v2.integration.>", s.AllIntegration())
	require.Equal(t, []string{"gws.v2.users.>", "gws.v2.integration.>"}, s.Stream())
	require.Equal(t, []string{"gws.v2.users.*.>", "gws.v2.integration.facebooksession.*"}, s.ServiceSubscribe())
	require.Equal(t, []string{"gws.v2.users.*.facebooksession.>", "gws.v2.users.*.channels", "gws.v2.integration.facebooksession.>"}, s.WatcherSubscribe())
	require.Equal(t, "gws.v2.users.a1.channels", s.Channels("a1"))
	require.Equal(t, "gws.v2.users.a1.>", s.UserAll("a1"))
}

func TestParseSubject(t *testing.T) {
	t.Parallel()
	s := gws.NewSubjects("t.gws.v2")
	for subject, want := range map[string][4]any{
		"t.gws.v2.users.a1.facebooksession.s1":     {gws.KindUsers, "a1", "s1", true},
		"t.gws.v2.users.a1":                        {gws.KindUsers, "a1", "", true},
		"t.gws.v2.integration.facebooksession.s1":  {gws.KindIntegration, "", "s1", true},
		"t.gws.v2.integration.other":               {gws.KindIntegration, "", "", true},
		"t.gws.v2.elsewhere.a1.facebooksession.s1": {"", "", "", false},
		"gws.v2.users.a1.facebooksession.s1":       {"", "", "", false},
	} {
		kind, agent, session, ok := s.Parse(subject)
		require.Equal(t, want, [4]any{kind, agent, session, ok}, subject)
	}
}
