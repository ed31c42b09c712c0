package queue_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/domain/queue"
)

// given folds events, the history a test starts from.
func given(events ...queue.Event) queue.State {
	var s queue.State
	for _, e := range events {
		s = queue.Evolve(s, e)
	}
	return s
}

// when decides cmd on s and folds what it decides.
func when(s queue.State, cmd queue.Command) (queue.State, []queue.Event, error) {
	events, err := queue.Decide(s, cmd)
	for _, e := range events {
		s = queue.Evolve(s, e)
	}
	return s, events, err
}

func ptr[T any](v T) *T { return &v }

var sales = queue.QueueAdded{ID: "1", Name: "Sales", OfferTimeoutSeconds: 30, NoAnswerNotReady: true}

func TestQueueLife(t *testing.T) {
	s, events, err := when(queue.State{}, queue.Add{ID: "1", Name: "Sales", By: "ops"})
	require.NoError(t, err)
	require.Equal(t, []queue.Event{sales}, events, "the defaults: 30 s, NoAnswer sets NotReady")
	require.True(t, s.Exists())

	s, events, err = when(s, queue.AddMembers{Agents: []string{"a2", "a1", "a2"}, By: "ops"})
	require.NoError(t, err)
	require.Equal(t, []queue.Event{queue.QueueMembersAdded{Agents: []string{"a1", "a2"}}}, events)
	require.Equal(t, []string{"a1", "a2"}, s.Members)

	s, events, err = when(s, queue.AddMembers{Agents: []string{"a0", "a1"}, By: "ops"})
	require.NoError(t, err)
	require.Equal(t, []queue.Event{queue.QueueMembersAdded{Agents: []string{"a0"}}}, events, "only the new member")
	require.Equal(t, []string{"a0", "a1", "a2"}, s.Members)

	s, events, err = when(s, queue.RemoveMembers{Agents: []string{"a1", "a9"}, By: "ops"})
	require.NoError(t, err)
	require.Equal(t, []queue.Event{queue.QueueMembersRemoved{Agents: []string{"a1"}}}, events)
	require.Equal(t, []string{"a0", "a2"}, s.Members)

	s, events, err = when(s, queue.Set{OfferTimeoutSeconds: ptr(45), By: "ops"})
	require.NoError(t, err)
	require.Equal(t, []queue.Event{queue.QueueChanged{OfferTimeoutSeconds: 45, NoAnswerNotReady: true}}, events, "the full settings")
	s, events, err = when(s, queue.Set{NoAnswerNotReady: ptr(false), By: "ops"})
	require.NoError(t, err)
	require.Equal(t, []queue.Event{queue.QueueChanged{OfferTimeoutSeconds: 45, NoAnswerNotReady: false}}, events)

	s, events, err = when(s, queue.Remove{By: "ops"})
	require.NoError(t, err)
	require.Equal(t, []queue.Event{queue.QueueRemoved{}}, events)
	require.False(t, s.Exists())
	require.Empty(t, s.Members)

	// The name again: a new queue, new id, no members, defaults.
	s, events, err = when(s, queue.Add{ID: "7", Name: "Sales", OfferTimeoutSeconds: 10, NoAnswerNotReady: ptr(false), By: "ops"})
	require.NoError(t, err)
	require.Equal(t, []queue.Event{queue.QueueAdded{ID: "7", Name: "Sales", OfferTimeoutSeconds: 10}}, events)
	require.Equal(t, queue.State{ID: "7", Name: "Sales", OfferTimeoutSeconds: 10, Members: []string{}}, s)
}

// A command that changes nothing decides nothing, and is no error.
func TestNoOps(t *testing.T) {
	s := given(sales, queue.QueueMembersAdded{Agents: []string{"a1"}})
	for _, cmd := range []queue.Command{
		queue.AddMembers{Agents: []string{"a1"}},
		queue.RemoveMembers{Agents: []string{"a2"}},
		queue.Set{OfferTimeoutSeconds: ptr(30), NoAnswerNotReady: ptr(true)},
	} {
		after, events, err := when(s, cmd)
		require.NoError(t, err, "%T", cmd)
		require.Empty(t, events, "%T", cmd)
		require.Equal(t, s, after)
	}
}

func TestRefusals(t *testing.T) {
	live := given(sales)
	removed := given(sales, queue.QueueRemoved{})
	full := given(sales, queue.QueueMembersAdded{Agents: agents(queue.MaxMembers)})
	for name, tc := range map[string]struct {
		s    queue.State
		cmd  queue.Command
		want error
	}{
		"add taken name":        {live, queue.Add{ID: "2", Name: "Sales"}, queue.ErrQueueExists},
		"add without id":        {queue.State{}, queue.Add{Name: "Sales"}, queue.ErrInvalid},
		"empty name":            {queue.State{}, queue.Add{ID: "1"}, queue.ErrInvalid},
		"name too long":         {queue.State{}, queue.Add{ID: "1", Name: strings.Repeat("q", 65)}, queue.ErrInvalid},
		"name with slash":       {queue.State{}, queue.Add{ID: "1", Name: "a/b"}, queue.ErrInvalid},
		"name not ASCII":        {queue.State{}, queue.Add{ID: "1", Name: "Säles"}, queue.ErrInvalid},
		"name outer space":      {queue.State{}, queue.Add{ID: "1", Name: " Sales"}, queue.ErrInvalid},
		"name of digits":        {queue.State{}, queue.Add{ID: "1", Name: "42"}, queue.ErrInvalid},
		"timeout 0 on set":      {live, queue.Set{OfferTimeoutSeconds: ptr(0)}, queue.ErrInvalid},
		"timeout over an hour":  {queue.State{}, queue.Add{ID: "1", Name: "Q", OfferTimeoutSeconds: 3601}, queue.ErrInvalid},
		"negative timeout":      {queue.State{}, queue.Add{ID: "1", Name: "Q", OfferTimeoutSeconds: -1}, queue.ErrInvalid},
		"set nothing":           {live, queue.Set{}, queue.ErrInvalid},
		"set unknown":           {queue.State{}, queue.Set{NoAnswerNotReady: ptr(false)}, queue.ErrUnknownQueue},
		"set removed":           {removed, queue.Set{NoAnswerNotReady: ptr(false)}, queue.ErrUnknownQueue},
		"remove removed":        {removed, queue.Remove{}, queue.ErrUnknownQueue},
		"remove unknown":        {queue.State{}, queue.Remove{}, queue.ErrUnknownQueue},
		"members of removed":    {removed, queue.AddMembers{Agents: []string{"a1"}}, queue.ErrUnknownQueue},
		"no members named":      {live, queue.AddMembers{}, queue.ErrInvalid},
		"member id not a user":  {live, queue.AddMembers{Agents: []string{"a 1"}}, queue.ErrInvalid},
		"remove none named":     {live, queue.RemoveMembers{}, queue.ErrInvalid},
		"one member too many":   {full, queue.AddMembers{Agents: []string{"zz"}}, queue.ErrTooMany},
		"too many in a command": {live, queue.AddMembers{Agents: agents(queue.MaxMembers + 1)}, queue.ErrTooMany},
	} {
		t.Run(name, func(t *testing.T) {
			after, events, err := when(tc.s, tc.cmd)
			require.ErrorIs(t, err, tc.want)
			require.Empty(t, events)
			require.Equal(t, tc.s, after)
		})
	}
	// The bounds themselves pass.
	for _, cmd := range []queue.Command{
		queue.Add{ID: "1", Name: strings.Repeat("q", 64), OfferTimeoutSeconds: 3600},
		queue.Add{ID: "1", Name: "Q.1 post-processing_2", OfferTimeoutSeconds: 1},
	} {
		_, _, err := when(queue.State{}, cmd)
		require.NoError(t, err)
	}
	_, _, err := when(given(sales, queue.QueueMembersAdded{Agents: agents(queue.MaxMembers - 1)}), queue.AddMembers{Agents: []string{"zz"}})
	require.NoError(t, err)
}

// Evolve never shares a kept state's members with the state it returns.
func TestEvolveCopies(t *testing.T) {
	s := given(sales, queue.QueueMembersAdded{Agents: []string{"a1", "a3"}})
	for _, e := range []queue.Event{
		queue.QueueMembersAdded{Agents: []string{"a2"}},
		queue.QueueMembersRemoved{Agents: []string{"a1"}},
		queue.QueueChanged{OfferTimeoutSeconds: 5},
	} {
		after := queue.Evolve(s, e)
		after.Members = append(after.Members[:0], "x", "y", "z")
		require.Equal(t, []string{"a1", "a3"}, s.Members, "%T", e)
	}
}

func agents(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("a%05d", i)
	}
	return out
}
