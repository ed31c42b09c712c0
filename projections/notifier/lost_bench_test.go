package notifier_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
)

// BenchmarkFindLost measures the check each notifier lease runs, on a
// window of 10,000 changes of 1,000 sessions, two messages each, all in
// the log (the normal case): one op reads the window's 20,000 messages
// and looks their changes up. Metric: messages/s.
func BenchmarkFindLost(b *testing.B) {
	ctx := context.Background()
	store := newSQLiteStore(b)
	f := newFixture(b, store, natstest.RunServer(b, "", 0).ClientURL())
	_, err := f.js.CreateStream(ctx, jetstream.StreamConfig{Name: f.stream, Subjects: []string{f.prefix + ".>"}})
	require.NoError(b, err)
	const sessions, changes = 1_000, 10
	for v := 1; v <= changes; v++ {
		for s := range sessions {
			stream := fmt.Sprintf("facebooksession-s%d", s)
			res, err := store.Append(ctx, &eventstore.AppendParams{StreamID: stream, ExpectedVersion: int64(v - 1),
				Events: []eventstore.EventData{{Type: "Noted", SchemaVersion: 1, Data: []byte(`{}`), Metadata: []byte(`{}`)}}})
			require.NoError(b, err)
			e := res.Events[0]
			change := stream + ":" + strconv.FormatInt(e.Version, 10) + "/" + hex.EncodeToString(e.Hash[:8])
			for _, subject := range []string{f.prefix + ".users.a1.facebooksession.s", f.prefix + ".integration.facebooksession.s"} {
				m := nats.NewMsg(subject + strconv.Itoa(s))
				m.Data = []byte(`{"notificationType":"NewMessages"}`)
				m.Header.Set(jetstream.MsgIDHeader, change+subject)
				m.Header.Set(notifier.HeaderPosition, strconv.FormatInt(e.Position, 10))
				m.Header.Set(notifier.HeaderChange, change)
				_, err := f.js.PublishMsgAsync(m)
				require.NoError(b, err)
			}
		}
		<-f.js.PublishAsyncComplete()
	}
	b.ResetTimer()
	for b.Loop() {
		report, err := notifier.FindLost(ctx, f.js, store, notifier.FindLostParams{Stream: f.stream})
		require.NoError(b, err)
		require.Equal(b, 2*sessions*changes, report.Messages)
		require.Empty(b, report.Lost)
	}
	b.ReportMetric(float64(2*sessions*changes*b.N)/b.Elapsed().Seconds(), "messages/s")
}
