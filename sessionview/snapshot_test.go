package sessionview_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

// The handler keeps sessions without their user data: a command that
// leaves it writes the view's document alone and keeps the stored user
// data; one that changes it reads the stream first, so that the change
// merges into what the session has.
func TestUserDataIsKeptInTheViewNotInTheCache(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		store := &readCounting{Store: be.Store}
		h := commands.NewHandler(store)
		_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "u1", AgentID: "a1",
			UserData: []byte(`{"FirstName":"Vitaliy","Tag":"<b>"}`)})
		require.NoError(t, err)
		store.reads = 0
		view := func() *eventstore.StreamView {
			t.Helper()
			v, err := be.Store.View(ctx, &eventstore.ViewParams{StreamID: sessionlog.StreamID("u1")})
			require.NoError(t, err)
			return v
		}
		operate := func(cmd fb.Command) {
			t.Helper()
			_, err := h.Operate(ctx, commands.Request{Actor: "a1"}, "u1", cmd)
			require.NoError(t, err)
		}
		whole := `{"FirstName":"Vitaliy","Tag":"\u003cb\u003e"}`
		require.Equal(t, whole, string(view().Detail))
		require.Equal(t, int64(1), view().DetailVersion)

		operate(fb.InFocus{By: "a1"})
		v := view()
		require.Equal(t, int64(2), v.Version)
		require.Equal(t, whole, string(v.Detail), "kept")
		require.Equal(t, int64(1), v.DetailVersion)
		require.Zero(t, store.reads, "decided on the cached state")

		operate(fb.UpdateUserData{By: "a1", UserData: []byte(`{"Added":1}`)})
		require.Equal(t, 1, store.reads, "the user data the change merges into is read")
		v = view()
		require.Equal(t, `{"FirstName":"Vitaliy","Tag":"\u003cb\u003e","Added":1}`, string(v.Detail))
		require.Equal(t, int64(3), v.DetailVersion)

		operate(fb.InFocus{By: "a1"})
		require.Equal(t, 1, store.reads)
		s, err := sessionview.NewReader(be.Store).Get(ctx, "u1")
		require.NoError(t, err)
		require.Equal(t, `{"FirstName":"Vitaliy","Tag":"\u003cb\u003e","Added":1}`, string(s.UserData))
		require.Equal(t, int64(3), view().DetailVersion, "as of the change that set it")

		// What the log folds to is what was stored, joined.
		events, err := be.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID("u1")})
		require.NoError(t, err)
		want, err := sessionview.Of(events)
		require.NoError(t, err)
		require.Equal(t, want, *view())
	})
}

// readCounting counts the streams read through it.
type readCounting struct {
	commands.Store
	reads int
}

func (s *readCounting) ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error) {
	s.reads++
	return s.Store.ReadStream(ctx, p)
}
