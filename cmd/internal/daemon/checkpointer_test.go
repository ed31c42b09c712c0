package daemon_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/daemon"
)

// With a checkpoint key, fbsessiond signs a checkpoint of the log at start
// into JetStream, where it can be verified with the public key alone; a key
// it cannot load stops the start.
func TestDaemonSignsCheckpoints(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pub, err := audit.GenerateCheckpointKey(filepath.Join(dir, "cp.key"), filepath.Join(dir, "cp.pub"))
	require.NoError(t, err)
	cfg := config.Config{
		DataDir: filepath.Join(dir, "data"), NATSListen: "127.0.0.1:-1", HTTPAddr: "127.0.0.1:0", BcryptCost: 4,
		Stream: "N", SubjectPrefix: "gws.v2", RequestTimeout: time.Second,
		CheckpointKey: filepath.Join(dir, "cp.key"), CheckpointInterval: time.Hour, CheckpointStream: "CP",
	}
	s := startService(t, cfg, discardLogger())
	stream := &audit.CheckpointStream{JetStream: jetStream(t, &s.cfg, s.natsURL), Stream: "CP", Prefix: "gws.v2"}
	var cp *audit.SignedCheckpoint
	require.Eventually(t, func() bool {
		cp, err = stream.Latest(context.Background())
		return err == nil
	}, 10*time.Second, 50*time.Millisecond, "no checkpoint published: %v", err)
	require.NoError(t, cp.Check(pub))
	s.stop()
	require.NoError(t, <-s.done)
	s.done <- nil // for the cleanup

	bad := s.cfg
	bad.DataDir = filepath.Join(dir, "other")
	bad.CheckpointKey = filepath.Join(dir, "missing.key")
	require.ErrorContains(t, daemon.Run(context.Background(), &bad, discardLogger(), nil), "checkpoint key")
}
