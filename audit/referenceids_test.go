package audit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/sessionlog"
)

// A referenceId given to two changes is a problem verify reports, at the
// second change, although every hash chain is intact: what a sequence
// that went back (a failover that lost a reservation) does.
func TestVerifyFindsAReusedReferenceID(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		first := e.session(t, "s1", "")
		require.Positive(t, first.ReferenceID)
		ok, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.True(t, ok.OK(), "%+v", ok.Problems)
		require.Positive(t, ok.ReferenceIDs)

		// The sequence goes back; a process started afterwards reserves
		// the same block again.
		e.tamper(t, `UPDATE sequences SET next = 1 WHERE name = 'referenceId'`)
		e.cmds = commands.NewHandler(e.store)
		again := e.session(t, "s2", "")
		require.Equal(t, first.ReferenceID, again.ReferenceID, "handed out twice")

		r, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.False(t, r.OK())
		require.Equal(t, ok.ReferenceIDs*2, r.ReferenceIDs)
		require.Equal(t, sessionlog.StreamID("s2"), r.Problems[0].StreamID, "the second use")
		require.Contains(t, r.Problems[0].Reason, "was given to another change already")
		require.Equal(t, int(ok.ReferenceIDs), r.ProblemCount, "each id of s2's changes")
	})
}
