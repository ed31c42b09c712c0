package notifier_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/projections/natstest"
)

// TestStreamOfAnEarlierVersionTakesTheIntegrationSubjects: a stream made
// by a version that captured only the agents' subjects, holding their
// notifications, is updated in place to capture the integration side's
// too, on the embedded server and on the Debian one (2.9); the change
// published before the upgrade is not stored again, its integration
// copy is.
func TestStreamOfAnEarlierVersionTakesTheIntegrationSubjects(t *testing.T) {
	t.Parallel()
	for name, url := range natstest.Servers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, newSQLiteStore(t), url)
			n := f.notifier(f.js, 0)
			old := n.StreamConfig()
			old.Subjects = []string{f.prefix + ".users.>"}
			old.Description = "fbsession StatusChange notifications"
			_, err := f.js.CreateStream(ctx, old)
			require.NoError(t, err)
			f.start("s1", "a1")
			// What the earlier version published of the intake.
			built, err := n.Messages(ctx, f.feed())
			require.NoError(t, err)
			require.Len(t, built, 2)
			_, err = f.js.PublishMsg(ctx, built[0])
			require.NoError(t, err)

			f.run(f.store, n)
			_, err = f.cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
			require.NoError(t, err)
			msgs := f.streamMessages(4)
			var subjects []string
			for _, m := range msgs {
				subjects = append(subjects, m.Subject+" "+unchanged(m.Header.Get(jetstream.MsgIDHeader)))
			}
			// The two kinds of subject are published side by side: the
			// stream may interleave a change's two messages either way.
			require.ElementsMatch(t, []string{
				f.prefix + ".users.a1.facebooksession.s1 facebooksession-s1:1",
				f.prefix + ".integration.facebooksession.s1 facebooksession-s1:1:1:integration",
				f.prefix + ".users.a1.facebooksession.s1 facebooksession-s1:3",
				f.prefix + ".integration.facebooksession.s1 facebooksession-s1:3:1:integration",
			}, subjects)
			require.Equal(t, f.prefix+".users.a1.facebooksession.s1 facebooksession-s1:1", subjects[0], "the message published before the upgrade")
			s, err := f.js.Stream(ctx, f.stream)
			require.NoError(t, err)
			info, err := s.Info(ctx)
			require.NoError(t, err)
			require.ElementsMatch(t, []string{f.prefix + ".users.>", f.prefix + ".integration.>"}, info.Config.Subjects)
			require.Equal(t, jetstream.FileStorage, info.Config.Storage)
			require.Equal(t, 10*time.Minute, info.Config.Duplicates)
		})
	}
}
