package systemtest

import (
	"context"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// notificationStream is fbsessiond's stream of notifications on the NATS
// server at natsURL, which lets anyone in; the test fails if there is
// none. The connection is closed when t ends.
func notificationStream(t *testing.T, natsURL string) jetstream.Stream {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	stream, err := js.Stream(context.Background(), streamName)
	require.NoError(t, err)
	return stream
}

// notificationCounts counts the messages the notification stream holds on
// the agents' subjects (<prefix>.users.>) and on the integration side's
// (<prefix>.integration.>): each change goes to both.
func notificationCounts(ctx context.Context, stream jetstream.Stream, prefix string) (users, integration uint64, err error) {
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(prefix+".>"))
	if err != nil {
		return 0, 0, err
	}
	for subject, n := range info.State.Subjects {
		switch {
		case strings.HasPrefix(subject, prefix+".users."):
			users += n
		case strings.HasPrefix(subject, prefix+".integration."):
			integration += n
		}
	}
	return users, integration, nil
}
