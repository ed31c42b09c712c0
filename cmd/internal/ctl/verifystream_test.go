package ctl_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/cmd/internal/embeddednats"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/notifier"
)

// notify has the embedded store in dir notify its changes, as fbsessiond
// does, to the stream of the in-process server at url, until the stream
// holds want messages.
func notify(t *testing.T, dir string, js jetstream.JetStream, want uint64, changes func(h *commands.Handler)) {
	t.Helper()
	ctx := context.Background()
	b, err := backend.Open(ctx, &config.Config{DataDir: dir, BcryptCost: 4}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	defer b.Close()
	_, err = b.Migrate(ctx)
	require.NoError(t, err)
	n, err := notifier.New(notifier.Config{JetStream: js, Store: b.Store, Prefix: "gws.v2", Log: b.Store})
	require.NoError(t, err)
	r, err := projections.NewRunner(projections.RunnerConfig{Name: "notifier", Store: b.Store, Projector: n})
	require.NoError(t, err)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(rctx)
	}()
	defer func() { cancel(); <-done }()
	changes(commands.NewHandler(b.Store))
	require.Eventually(t, func() bool {
		s, err := js.Stream(ctx, "FBSESSION_NOTIFICATIONS")
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs >= want
	}, 20*time.Second, 20*time.Millisecond)
}

// verify --against-stream lists each change the notification stream
// holds that the log does not, and exits non-zero; before the log went
// back, it finds none.
func TestVerifyAgainstStream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ns, err := embeddednats.Run(embeddednats.Config{Addr: "127.0.0.1:-1", DataDir: dir, SubjectPrefix: "gws.v2"})
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)
	opts, err := natsconn.Options(natsconn.Settings{DataDir: dir}, natsconn.Publisher)
	require.NoError(t, err)
	pub, err := nats.Connect(ns.ClientURL(), opts...)
	require.NoError(t, err)
	t.Cleanup(pub.Close)
	js, err := jetstream.New(pub)
	require.NoError(t, err)
	listen := []string{"--nats-listen", strings.TrimPrefix(ns.ClientURL(), "nats://")}

	start := func(h *commands.Handler, id string) {
		_, err := h.Start(context.Background(), commands.Request{Actor: "router"}, fb.Start{SessionID: id, AgentID: "a1", Status: fb.StatusChatting,
			Participants: []fb.Participant{{Nickname: "Vitaliy", Type: fb.ParticipantCustomer, ID: "c1", Visibility: fb.VisibilityAll, ParticipantID: "c1"}}})
		require.NoError(t, err)
	}
	notify(t, dir, js, 2, func(h *commands.Handler) { start(h, "kept") })
	out, err := run(t, dir, "", append([]string{"verify", "--against-stream"}, listen...)...)
	require.NoError(t, err, out)
	require.Contains(t, out, "stream FBSESSION_NOTIFICATIONS: 2 messages read")
	require.Contains(t, out, "OK: the log holds every change the stream notified")

	notify(t, dir, js, 6, func(h *commands.Handler) {
		start(h, "gone")
		_, err := h.Operate(context.Background(), commands.Request{Actor: "router"}, "kept", fb.CustomerMessage{Text: "lost"})
		require.NoError(t, err)
	})
	// The log goes back to the first session's intake, as a restored
	// copy of the file would.
	db, err := sql.Open("sqlite", filepath.Join(dir, "events.db"))
	require.NoError(t, err)
	for _, q := range []string{"DROP TRIGGER events_no_delete", "DROP TRIGGER IF EXISTS events_position_grows",
		"DELETE FROM events WHERE stream_id = 'facebooksession-gone' OR (stream_id = 'facebooksession-kept' AND stream_version > 1)"} {
		_, err = db.Exec(q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())

	out, err = run(t, dir, "", append([]string{"verify", "--against-stream"}, listen...)...)
	require.ErrorIs(t, err, ctl.ErrVerifyFailed)
	require.ErrorContains(t, err, "holds 2 change(s) the log does not, 2 not yet corrected")
	t.Logf("fbsessionctl verify --against-stream:\n%s", out)
	require.Contains(t, out, "FAILED: 2 change(s) notified are not in the log")
	require.Regexp(t, `facebooksession-gone +1 +[0-9a-f]{16} +\d+ +absent .* false +facebooksession-gone:1/`, out)
	require.Regexp(t, `facebooksession-kept +2 +[0-9a-f]{16} +\d+ +absent`, out)

	out, err = run(t, dir, "", append([]string{"verify", "--against-stream", "--json", "--stream-since", "1h"}, listen...)...)
	require.ErrorIs(t, err, ctl.ErrVerifyFailed)
	var report notifier.LostReport
	require.NoError(t, json.Unmarshal([]byte(out), &report))
	require.Equal(t, 6, report.Messages)
	require.Len(t, report.Lost, 2)
	require.Equal(t, "facebooksession-gone", report.Lost[0].StreamID)
	require.Len(t, report.Lost[0].MsgIDs, 2, "to the agent and to the integration side")
	require.Equal(t, []string{"a1"}, report.Lost[0].Agents)

	_, err = run(t, dir, "", append([]string{"verify", "--against-stream", "--session", "kept"}, listen...)...)
	require.ErrorContains(t, err, "drop --session")
}
