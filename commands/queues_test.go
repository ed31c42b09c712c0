package commands_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/queuelog"
	"github.com/fbsession/fbsession/queueview"
	"github.com/fbsession/fbsession/users"
)

func addUser(t *testing.T, d *users.Directory, id string, roles ...users.Role) {
	t.Helper()
	require.NoError(t, d.Add(context.Background(), users.User{ID: id, UserName: id, Roles: roles, Features: []string{users.FeatureMultimedia}}, "correct horse"))
}

func TestQueueLife(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		addUser(t, be.Users, "a1", users.RoleAgent)
		addUser(t, be.Users, "a2", users.RoleAgent)
		addUser(t, be.Users, "boss", users.RoleSupervisor)
		h := commands.NewQueueHandler(be.Store, be.Users)
		r := commands.Request{Actor: "ops"}

		out, err := h.Add(ctx, r, queue.Add{Name: "Sales"})
		require.NoError(t, err)
		require.Equal(t, queue.State{ID: out.State.ID, Name: "Sales", OfferTimeoutSeconds: 30, NoAnswerNotReady: true, Members: []string{}}, out.State)
		require.NotEmpty(t, out.State.ID)
		second, err := h.Add(ctx, r, queue.Add{Name: "Support", OfferTimeoutSeconds: 10})
		require.NoError(t, err)
		require.NotEqual(t, out.State.ID, second.State.ID)

		_, err = h.Add(ctx, r, queue.Add{Name: "Sales"})
		require.ErrorIs(t, err, queue.ErrQueueExists)

		// Members by the queue's id; a supervisor or nobody refuses all.
		_, err = h.Execute(ctx, r, out.State.ID, queue.AddMembers{Agents: []string{"a1", "boss"}})
		require.ErrorIs(t, err, queue.ErrUnknownAgent)
		_, err = h.Execute(ctx, r, out.State.ID, queue.AddMembers{Agents: []string{"a1", "nobody"}})
		require.ErrorIs(t, err, queue.ErrUnknownAgent)
		got, err := h.Queues().Lookup(ctx, "Sales")
		require.NoError(t, err)
		require.Empty(t, got.Members, "a refused command changes nothing")

		added, err := h.Execute(ctx, r, out.State.ID, queue.AddMembers{Agents: []string{"a2", "a1"}})
		require.NoError(t, err)
		require.NotZero(t, added.ReferenceID)
		again, err := h.Execute(ctx, r, "Sales", queue.AddMembers{Agents: []string{"a1"}})
		require.NoError(t, err)
		require.Zero(t, again.ReferenceID, "nothing changed, nothing appended")
		_, err = h.Execute(ctx, r, "Sales", queue.Set{NoAnswerNotReady: new(bool)})
		require.NoError(t, err)

		list, err := h.Queues().List(ctx)
		require.NoError(t, err)
		require.Equal(t, []queue.State{
			{ID: out.State.ID, Name: "Sales", OfferTimeoutSeconds: 30, NoAnswerNotReady: false, Members: []string{"a1", "a2"}},
			{ID: second.State.ID, Name: "Support", OfferTimeoutSeconds: 10, NoAnswerNotReady: true, Members: []string{}},
		}, list)
		byID, err := h.Queues().Lookup(ctx, second.State.ID)
		require.NoError(t, err)
		require.Equal(t, "Support", byID.Name)

		events, err := be.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: queuelog.StreamID("Sales")})
		require.NoError(t, err)
		require.Len(t, events, 3, "added, members added, changed: the no-op and the refusals appended nothing")
		view, err := be.Store.View(ctx, &eventstore.ViewParams{StreamID: queuelog.StreamID("Sales")})
		require.NoError(t, err)
		folded, err := queueview.Of(events)
		require.NoError(t, err)
		require.Empty(t, queueview.Differs(view, &folded), "the append's view is the fold of the log")

		// Removed: unknown by name and by id, unlisted; the name is free.
		_, err = h.Execute(ctx, r, "Sales", queue.Remove{})
		require.NoError(t, err)
		for _, key := range []string{"Sales", out.State.ID} {
			_, err = h.Queues().Lookup(ctx, key)
			require.ErrorIs(t, err, queue.ErrUnknownQueue, key)
		}
		_, err = h.Execute(ctx, r, "Sales", queue.Remove{})
		require.ErrorIs(t, err, queue.ErrUnknownQueue)
		list, err = h.Queues().List(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		readded, err := h.Add(ctx, r, queue.Add{Name: "Sales"})
		require.NoError(t, err)
		require.NotEqual(t, out.State.ID, readded.State.ID)
		require.Empty(t, readded.State.Members)
	})
}

// A bad command appends nothing and takes no id.
func TestQueueRefusalsAppendNothing(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewQueueHandler(be.Store, nil)
		r := commands.Request{Actor: "ops"}
		_, err := h.Add(ctx, r, queue.Add{Name: "bad/name"})
		require.ErrorIs(t, err, queue.ErrInvalid)
		_, err = h.Add(ctx, r, queue.Add{Name: "Q", OfferTimeoutSeconds: 4000})
		require.ErrorIs(t, err, queue.ErrInvalid)
		_, err = h.Execute(ctx, r, "Q", queue.Set{NoAnswerNotReady: new(bool)})
		require.ErrorIs(t, err, queue.ErrUnknownQueue)
		_, err = h.Execute(ctx, r, "Q", queue.Add{Name: "Q"})
		require.ErrorIs(t, err, queue.ErrInvalid)
		head, err := be.Store.Head(ctx)
		require.NoError(t, err)
		require.Zero(t, head)

		out, err := h.Add(ctx, r, queue.Add{Name: "Q"})
		require.NoError(t, err)
		require.Equal(t, "1", out.State.ID, "the refusals took no id")
	})
}

// Two processes adding one name: the log lets one win.
func TestQueueAddRace(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		errs := make(chan error, 8)
		for range cap(errs) {
			go func() {
				_, err := commands.NewQueueHandler(be.Store, nil).Add(ctx, commands.Request{Actor: "ops"}, queue.Add{Name: "Q"})
				errs <- err
			}()
		}
		won := 0
		for range cap(errs) {
			if err := <-errs; err == nil {
				won++
			} else {
				require.ErrorIs(t, err, queue.ErrQueueExists)
			}
		}
		require.Equal(t, 1, won)
	})
}

// The 1001st queue is refused.
func TestQueueLimit(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("adds a thousand queues")
	}
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewQueueHandler(be.Store, nil)
		// The views alone, written as the handler would: a thousand
		// adds through it would each list the queues first.
		for i := range queue.MaxQueues {
			name := fmt.Sprintf("Q%04d", i)
			v, err := queueview.Encode(queue.State{ID: fmt.Sprint(i + 1), Name: name, OfferTimeoutSeconds: 30, Members: []string{}})
			require.NoError(t, err)
			data, err := queuelog.EventData(queue.QueueAdded{ID: fmt.Sprint(i + 1), Name: name, OfferTimeoutSeconds: 30})
			require.NoError(t, err)
			_, err = be.Store.Append(ctx, &eventstore.AppendParams{StreamID: queuelog.StreamID(name), Events: []eventstore.EventData{data}, View: v})
			require.NoError(t, err)
		}
		list, err := h.Queues().List(ctx)
		require.NoError(t, err)
		require.Len(t, list, queue.MaxQueues)
		_, err = h.Add(ctx, commands.Request{Actor: "ops"}, queue.Add{Name: "One more"})
		require.ErrorIs(t, err, queue.ErrTooMany)
		require.ErrorContains(t, err, "1000 queues")
	})
}
