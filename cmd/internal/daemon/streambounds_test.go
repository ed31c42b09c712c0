package daemon_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// The notification stream takes the configured bounds: age and bytes,
// dropping the oldest past either.
func TestNotificationStreamBounds(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "")
	cfg.Retention = 2 * time.Hour
	cfg.StreamMaxBytes = 64 << 20
	s := startService(t, cfg, discardLogger())
	info, err := notificationStream(t, &s.cfg, s.natsURL).Info(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(64<<20), info.Config.MaxBytes)
	require.Equal(t, 2*time.Hour, info.Config.MaxAge)
	require.Equal(t, jetstream.DiscardOld, info.Config.Discard)
}
