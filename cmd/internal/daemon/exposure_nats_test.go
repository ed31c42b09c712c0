package daemon_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/daemon"
)

// The in-process NATS refuses anonymous clients, and a second fbsessiond
// on the same data directory is refused before it touches its store.
func TestEmbeddedNATSIsClosed(t *testing.T) {
	t.Parallel()
	cfg := config.Config{DataDir: t.TempDir(), NATSListen: "127.0.0.1:-1", HTTPAddr: "127.0.0.1:0", BcryptCost: 4, Stream: "N", SubjectPrefix: "gws.v2"}
	s := startService(t, cfg, discardLogger())
	natsURL := s.natsURL
	_, err := nats.Connect(natsURL)
	require.ErrorIs(t, err, nats.ErrAuthorization)
	notificationStream(t, &s.cfg, natsURL)

	second := s.cfg
	err = daemon.Run(context.Background(), &second, discardLogger(), nil)
	require.ErrorContains(t, err, "is in use by another fbsessiond")
	s.stop()
	require.NoError(t, <-s.done)
	s.done <- nil // for the cleanup
}
