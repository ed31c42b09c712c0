package daemon_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/projections/natstest"
)

// A checkpoint that cannot be published (here another stream holds the
// checkpoint subjects, as a NATS user without permission would refuse
// them) shows on /readyz as degraded, still 200, and in the metrics; once
// checkpoints go through again, both say so.
func TestCheckpointFailureShowsDegraded(t *testing.T) {
	t.Parallel()
	ns := natstest.RunServer(t, "", 0)
	prefix := natstest.Unique("cp")
	js, err := jetstream.New(natstest.Connect(t, ns.ClientURL()))
	require.NoError(t, err)
	ctx := context.Background()
	blocker := natstest.Unique("BLOCK_")
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: blocker, Subjects: []string{prefix + ".checkpoints.>"}})
	require.NoError(t, err)

	dir := t.TempDir()
	_, err = audit.GenerateCheckpointKey(filepath.Join(dir, "cp.key"), filepath.Join(dir, "cp.pub"))
	require.NoError(t, err)
	cfg := testConfig(t, "")
	cfg.NATSURL, cfg.SubjectPrefix, cfg.Stream = ns.ClientURL(), prefix, natstest.Unique("N_")
	cfg.CheckpointKey, cfg.CheckpointInterval, cfg.CheckpointStream = filepath.Join(dir, "cp.key"), 100*time.Millisecond, natstest.Unique("CP_")
	cfg.AdminAddr = "127.0.0.1:0"
	s := startService(t, cfg, discardLogger())

	require.Eventually(t, func() bool {
		status, body := getBody(t, s.admin+"/readyz")
		return status == http.StatusOK && strings.Contains(body, `"checkpoints":"degraded"`) && strings.Contains(body, `"status":"degraded"`)
	}, 10*time.Second, 50*time.Millisecond, "the failing checkpoint does not show on /readyz")
	_, metrics := getBody(t, s.admin+"/metrics")
	require.Contains(t, metrics, "fbsession_checkpoint_healthy 0")
	require.NotContains(t, metrics, "fbsession_checkpoint_failures_total 0")
	status, body := getBody(t, s.base+"/readyz")
	require.Equal(t, http.StatusOK, status, "the API port says the same: %s", body)
	require.Contains(t, body, `"checkpoints":"degraded"`)

	require.NoError(t, js.DeleteStream(ctx, blocker))
	require.Eventually(t, func() bool {
		status, body := getBody(t, s.admin+"/readyz")
		return status == http.StatusOK && strings.Contains(body, `"checkpoints":"ok"`) && strings.Contains(body, `"status":"ok"`)
	}, 10*time.Second, 50*time.Millisecond, "the checkpoints do not recover on /readyz")
	_, metrics = getBody(t, s.admin+"/metrics")
	require.Contains(t, metrics, "fbsession_checkpoint_healthy 1")
	require.NotContains(t, metrics, "fbsession_checkpoint_last_success_timestamp_seconds 0\n")
}
