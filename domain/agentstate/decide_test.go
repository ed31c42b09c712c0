package agentstate_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	as "github.com/fbsession/fbsession/domain/agentstate"
)

var a1 = as.Sender{Agent: "a1", By: "a1"}

// run validates, authorizes and decides cmd on s, and folds its events.
func run(t *testing.T, s as.State, cmd as.Command) (as.State, []as.Event, error) {
	t.Helper()
	if err := as.Validate(cmd); err != nil {
		return s, nil, err
	}
	if err := as.Authorize(cmd); err != nil {
		return s, nil, err
	}
	events, err := as.Decide(s, cmd)
	for _, e := range events {
		s = as.Evolve(s, e)
	}
	return s, events, err
}

func TestAgentChannelLife(t *testing.T) {
	var s as.State
	require.False(t, s.Started())
	s, events, err := run(t, s, as.StartSession{Sender: a1, Channels: []string{"facebooksession", "facebooksession"}})
	require.NoError(t, err)
	require.Equal(t, []as.Event{as.SessionStarted{Channels: []string{"facebooksession"}}}, events)
	require.Equal(t, []as.Channel{{Name: "facebooksession", Status: as.StatusNotReady}}, s.Channels)

	s, _, err = run(t, s, as.SetReady{Sender: a1, Channel: "facebooksession"})
	require.NoError(t, err)
	require.Equal(t, as.StatusReady, s.Channels[0].Status)

	sup := as.Sender{Agent: "a1", By: "boss", Supervisor: true}
	s, events, err = run(t, s, as.SetNotReady{Sender: sup, Channel: "facebooksession", ReasonCode: "Lunch"})
	require.NoError(t, err)
	require.Equal(t, []as.Event{as.ChannelNotReady{Channel: "facebooksession", ReasonCode: "Lunch"}}, events)
	require.Equal(t, as.Channel{Name: "facebooksession", Status: as.StatusNotReady, ReasonCode: "Lunch"}, s.Channels[0])

	// A second start starts again: NotReady, no reason.
	s, _, err = run(t, s, as.StartSession{Sender: a1, Channels: []string{"facebooksession"}})
	require.NoError(t, err)
	require.Equal(t, as.Channel{Name: "facebooksession", Status: as.StatusNotReady}, s.Channels[0])

	s, events, err = run(t, s, as.EndSession{Sender: a1})
	require.NoError(t, err)
	require.Equal(t, []as.Event{as.SessionEnded{Channels: []string{"facebooksession"}}}, events)
	require.False(t, s.Started())
}

func TestAgentChannelRefusals(t *testing.T) {
	var none as.State
	started, _, err := run(t, none, as.StartSession{Sender: a1, Channels: []string{"facebooksession"}})
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		s    as.State
		cmd  as.Command
		want error
	}{
		"Ready before start":      {none, as.SetReady{Sender: a1, Channel: "facebooksession"}, as.ErrInvalidState},
		"NotReady before start":   {none, as.SetNotReady{Sender: a1, Channel: "facebooksession"}, as.ErrInvalidState},
		"End before start":        {none, as.EndSession{Sender: a1}, as.ErrInvalidState},
		"unknown channel":         {started, as.SetReady{Sender: a1, Channel: "chat"}, as.ErrUnknownChannel},
		"start unknown channel":   {none, as.StartSession{Sender: a1, Channels: []string{"chat"}}, as.ErrInvalid},
		"start no channel":        {none, as.StartSession{Sender: a1, Channels: []string{}}, as.ErrInvalid},
		"start too many channels": {none, as.StartSession{Sender: a1, Channels: slices.Repeat([]string{"facebooksession"}, as.MaxChannels+1)}, as.ErrInvalid},
		"reason too long":         {started, as.SetNotReady{Sender: a1, Channel: "facebooksession", ReasonCode: strings.Repeat("é", 65)}, as.ErrInvalid},
		"reason not printable":    {started, as.SetNotReady{Sender: a1, Channel: "facebooksession", ReasonCode: "a\u200bb"}, as.ErrInvalid},
		"reason control":          {started, as.SetNotReady{Sender: a1, Channel: "facebooksession", ReasonCode: "a\nb"}, as.ErrInvalid},
		"another agent's channel": {started, as.SetReady{Sender: as.Sender{Agent: "a1", By: "a2"}, Channel: "facebooksession"}, as.ErrForbidden},
		"supervisor starts":       {none, as.StartSession{Sender: as.Sender{Agent: "a1", By: "boss", Supervisor: true}, Channels: []string{"facebooksession"}}, as.ErrForbidden},
		"supervisor ends":         {started, as.EndSession{Sender: as.Sender{Agent: "a1", By: "boss", Supervisor: true}}, as.ErrForbidden},
	} {
		t.Run(name, func(t *testing.T) {
			after, events, err := run(t, tc.s, tc.cmd)
			require.ErrorIs(t, err, tc.want)
			require.Empty(t, events)
			require.Equal(t, tc.s, after)
		})
	}
	_, _, err = run(t, started, as.SetNotReady{Sender: a1, Channel: "facebooksession", ReasonCode: strings.Repeat("é", 64)})
	require.NoError(t, err)
}

// Evolve never shares a kept state's channels with the state it returns.
func TestEvolveCopies(t *testing.T) {
	s := as.Evolve(as.State{}, as.SessionStarted{Channels: []string{"facebooksession"}})
	after := as.Evolve(s, as.ChannelReady{Channel: "facebooksession"})
	require.Equal(t, as.StatusNotReady, s.Channels[0].Status)
	require.Equal(t, as.StatusReady, after.Channels[0].Status)
}
