package facebooksession_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

func TestIntakeToAQueueWaitsForTheRouter(t *testing.T) {
	t.Parallel()
	events, err := fb.Handle(fb.State{}, fb.Start{SessionID: "s1", QueueName: "Sales"})
	require.NoError(t, err)
	s := fb.Fold(events)
	require.Equal(t, fb.StatusCompleted, s.Status)
	require.Empty(t, s.AgentID)
	require.Equal(t, "Sales", s.Queue)
	require.True(t, s.Routable())
	require.Zero(t, s.Offers)

	_, err = fb.Handle(fb.State{}, fb.Start{SessionID: "s1", QueueName: "Sales", AgentID: "a1"})
	require.ErrorIs(t, err, fb.ErrInvalid)
	_, err = fb.Handle(fb.State{}, fb.Start{SessionID: "s1", QueueName: "Sales", Status: fb.StatusChatting})
	require.ErrorIs(t, err, fb.ErrInvalid)
	_, err = fb.Handle(fb.State{}, fb.Start{SessionID: "s1"})
	require.ErrorIs(t, err, fb.ErrInvalid, "neither agent nor queue")
}

func TestOffersAreCountedAndOnlyTheRunningOneTimesOut(t *testing.T) {
	t.Parallel()
	s := fb.Fold([]fb.Event{
		fb.SessionStarted{SessionID: "s1", Status: fb.StatusCompleted, QueueName: "Sales"},
		fb.SessionRouted{AgentID: "a1"},
	})
	require.Equal(t, 1, s.Offers)

	_, err := fb.Handle(s, fb.TimeOut{AgentID: "a1", Offer: 2})
	require.ErrorIs(t, err, fb.ErrInvalidState, "a later offer's timer")
	_, err = fb.Handle(s, fb.TimeOut{AgentID: "a2", Offer: 1})
	require.ErrorIs(t, err, fb.ErrInvalidState, "another agent's")

	events, err := fb.Handle(s, fb.TimeOut{AgentID: "a1", Offer: 1, TimeoutSeconds: 30})
	require.NoError(t, err)
	require.Equal(t, []fb.Event{fb.OfferTimedOut{AgentID: "a1", Offer: 1, TimeoutSeconds: 30}}, events)
	after := fb.Fold(append([]fb.Event{
		fb.SessionStarted{SessionID: "s1", Status: fb.StatusCompleted, QueueName: "Sales"},
		fb.SessionRouted{AgentID: "a1"},
	}, events...))
	require.True(t, after.Routable())
	require.Empty(t, after.AgentID)

	// Once accepted, the timer that fires late takes nothing back.
	accepted := fb.Evolve(s, fb.OfferAccepted{AgentID: "a1", Nickname: "Anna"})
	_, err = fb.Handle(accepted, fb.TimeOut{AgentID: "a1", Offer: 1})
	require.ErrorIs(t, err, fb.ErrInvalidState)

	// A transfer to an agent is an offer too.
	moved := fb.Evolve(accepted, fb.TransferredToAgent{FromAgentID: "a1", ToAgentID: "a2"})
	require.Equal(t, 2, moved.Offers)
	invitedAtIntake := fb.Fold([]fb.Event{fb.SessionStarted{SessionID: "s2", AgentID: "a1", Status: fb.StatusInvited}})
	require.Equal(t, 1, invitedAtIntake.Offers)
}

func TestRouteRecordsItsDecisionBounded(t *testing.T) {
	t.Parallel()
	s := fb.Fold([]fb.Event{fb.SessionStarted{SessionID: "s1", Status: fb.StatusCompleted, QueueName: "Sales"}})
	d := &fb.RoutingDecision{Queue: "Sales", Rule: "longest-idle", Candidates: []fb.Candidate{{AgentID: "a1", Chosen: true}}}
	events, err := fb.Handle(s, fb.Route{AgentID: "a1", Decision: d})
	require.NoError(t, err)
	require.Equal(t, []fb.Event{fb.SessionRouted{AgentID: "a1", Decision: d}}, events)

	d.Candidates = make([]fb.Candidate, fb.MaxCandidates+1)
	_, err = fb.Handle(s, fb.Route{AgentID: "a1", Decision: d})
	require.ErrorIs(t, err, fb.ErrInvalid)
}
