package agentstate_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	as "github.com/fbsession/fbsession/domain/agentstate"
)

var admin = as.Sender{Agent: "a1", By: "alice", Administrator: true}

func setCapacity(n int) as.SetCapacity {
	return as.SetCapacity{Sender: admin, Channel: as.ChannelFacebookSession, Capacity: n}
}

// A capacity is the agent's configuration: the default until set, then
// the value set, through any number of contact center sessions.
func TestCapacityOutlivesTheSession(t *testing.T) {
	var s as.State
	require.Equal(t, as.DefaultCapacity, s.Capacity(as.ChannelFacebookSession))
	require.Equal(t, 3, as.DefaultCapacity)

	s, events, err := run(t, s, setCapacity(2))
	require.NoError(t, err)
	require.Equal(t, []as.Event{as.ChannelCapacitySet{Channel: "facebooksession", Capacity: 2}}, events)
	require.Equal(t, 2, s.Capacity(as.ChannelFacebookSession))
	require.False(t, s.Started(), "a capacity starts no session")

	for _, cmd := range []as.Command{
		as.StartSession{Sender: a1, Channels: []string{"facebooksession"}},
		as.SetReady{Sender: a1, Channel: "facebooksession"},
		as.EndSession{Sender: a1},
		as.StartSession{Sender: a1, Channels: []string{"facebooksession"}},
	} {
		s, _, err = run(t, s, cmd)
		require.NoError(t, err)
		require.Equal(t, 2, s.Capacity(as.ChannelFacebookSession), cmd.Operation())
	}

	// Bounds are included: 0 takes no sessions, 100 is the most.
	for _, n := range []int{0, as.MaxCapacity} {
		s, events, err = run(t, s, setCapacity(n))
		require.NoError(t, err)
		require.Len(t, events, 1)
		require.Equal(t, n, s.Capacity(as.ChannelFacebookSession))
	}
}

// The same capacity again records nothing; the default, never set, is
// recorded, so that the administrator's choice is in the log.
func TestCapacityUnchangedAppendsNothing(t *testing.T) {
	s, events, err := run(t, as.State{}, setCapacity(as.DefaultCapacity))
	require.NoError(t, err)
	require.Len(t, events, 1)
	again, events, err := run(t, s, setCapacity(as.DefaultCapacity))
	require.NoError(t, err)
	require.Empty(t, events)
	require.Equal(t, s, again)
}

func TestCapacityRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		cmd  as.Command
		want error
	}{
		"below 0":           {setCapacity(-1), as.ErrInvalidCapacity},
		"above the maximum": {setCapacity(as.MaxCapacity + 1), as.ErrInvalidCapacity},
		"unknown channel":   {as.SetCapacity{Sender: admin, Channel: "chat", Capacity: 1}, as.ErrUnknownChannel},
		"by the agent":      {as.SetCapacity{Sender: a1, Channel: "facebooksession", Capacity: 5}, as.ErrForbidden},
		"by a supervisor": {as.SetCapacity{Sender: as.Sender{Agent: "a1", By: "boss", Supervisor: true},
			Channel: "facebooksession", Capacity: 5}, as.ErrForbidden},
		"an administrator's Ready": {as.SetReady{Sender: admin, Channel: "facebooksession"}, as.ErrForbidden},
		"an administrator's own start": {as.StartSession{Sender: as.Sender{Agent: "a1", By: "a1", Administrator: true},
			Channels: []string{"facebooksession"}}, as.ErrForbidden},
	} {
		t.Run(name, func(t *testing.T) {
			after, events, err := run(t, as.State{}, tc.cmd)
			require.ErrorIs(t, err, tc.want)
			require.Empty(t, events)
			require.Equal(t, as.State{}, after)
		})
	}
	// A bad capacity is a bad field, mapped as any other.
	require.ErrorIs(t, as.ErrInvalidCapacity, as.ErrInvalid)
	require.ErrorContains(t, as.Validate(setCapacity(-1)), "capacity must be 0-100, not -1")
}

// Evolve never writes the capacities of the state it was given, which a
// caller may keep.
func TestEvolveCopiesCapacities(t *testing.T) {
	s := as.Evolve(as.State{}, as.ChannelCapacitySet{Channel: "facebooksession", Capacity: 1})
	after := as.Evolve(s, as.ChannelCapacitySet{Channel: "facebooksession", Capacity: 7})
	require.Equal(t, 1, s.Capacity("facebooksession"))
	require.Equal(t, 7, after.Capacity("facebooksession"))
}
