package ctl

import (
	"context"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// withdrawSessions takes back every session listed under a disabled agent,
// offered or in their hands, to wait for routing.
func (c *CLI) withdrawSessions(ctx context.Context, b *backend.Backend, actor, agent string) error {
	h := commands.NewHandler(b.Store)
	after := ""
	for {
		page, err := b.Store.ListViews(ctx, &eventstore.ListViewsParams{ListKey: agent, After: after})
		if err != nil {
			return err
		}
		for _, v := range page {
			id, _ := sessionlog.SessionID(v.StreamID)
			// Only from this agent: one routed to another since is theirs.
			_, err := h.Operate(ctx, commands.Request{Actor: actor}, id, fb.Withdraw{AgentID: agent})
			switch {
			case errors.Is(err, fb.ErrInvalidState):
				continue // completed meanwhile
			case err != nil:
				return fmt.Errorf("withdraw session %s: %w", id, err)
			}
			fmt.Fprintf(c.Out, "session %s taken back to wait for routing\n", Printable(id))
		}
		if len(page) < eventstore.DefaultFeedLimit {
			return nil
		}
		after = page[len(page)-1].StreamID
	}
}
