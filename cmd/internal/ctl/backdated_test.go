package ctl_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/eventstore/sqlite"
	"github.com/fbsession/fbsession/sessionlog"
)

// runDB runs fbsessionctl on the PostgreSQL database at url.
func runDB(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &ctl.CLI{Out: &out, Err: &errOut, In: strings.NewReader("")}
	cmd := c.Command()
	cmd.SetArgs(append(args, "--database-url", url, "--bcrypt-cost", "4", "--log-level", "error"))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// serviceRole migrates a fresh schema as its owner and returns a URL of a
// role granted only what docs/ROLES.md grants the service, with the
// owner's pool.
func serviceRole(t *testing.T) (svcURL string, owner *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	ownerURL := postgrestest.SchemaURL(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	role := "fbs_service_" + hex.EncodeToString(b[:])
	_, err := runDB(t, ownerURL, "migrate", "--service-role", role)
	require.NoError(t, err)
	owner = postgrestest.NewPoolFromURL(t, ownerURL)
	_, err = owner.Exec(ctx, "CREATE ROLE "+role+" LOGIN")
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = owner.Exec(ctx, "DROP OWNED BY "+role)
		_, _ = owner.Exec(ctx, "DROP ROLE "+role)
	})
	for _, g := range ctl.ServiceGrants(role, searchPath(t, ownerURL)) {
		_, err := owner.Exec(ctx, g)
		require.NoError(t, err, g)
	}
	return withUser(t, ownerURL, role), owner
}

// forgedSession makes a complete session, dated at, in a scratch store:
// its events and its view, well chained and consistent, for an intruder
// to insert.
func forgedSession(t *testing.T, id string, at time.Time) ([]eventstore.RecordedEvent, *eventstore.StreamView) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "scratch.db"), sqlite.Config{Now: func() time.Time { return at }})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Migrate(ctx)
	require.NoError(t, err)
	h := commands.NewHandler(s)
	_, err = h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1", UserData: []byte(`{}`)})
	require.NoError(t, err)
	q := "q"
	_, err = h.Operate(ctx, commands.Request{Actor: "a1"}, id, fb.Complete{By: "a1", QueueName: &q})
	require.NoError(t, err)
	events, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	require.NoError(t, err)
	view, err := s.View(ctx, &eventstore.ViewParams{StreamID: sessionlog.StreamID(id)})
	require.NoError(t, err)
	return events, view
}

// insertForged inserts events at the positions from first on, and the
// view, as a role with INSERT on events and on stream_views could.
func insertForged(ctx context.Context, db *pgxpool.Pool, first int64, events []eventstore.RecordedEvent, view *eventstore.StreamView) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		for i := range events {
			e := &events[i]
			if _, err := tx.Exec(ctx, `INSERT INTO events (position, stream_id, stream_version, event_id, event_type,
				schema_version, data, metadata, recorded_at, hash) OVERRIDING SYSTEM VALUE
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				first+int64(i), e.StreamID, e.Version, e.ID, e.Type, e.SchemaVersion, string(e.Data), string(e.Metadata), e.RecordedAt, e.Hash); err != nil {
				return err
			}
		}
		var detailVersion *int64
		if view.DetailVersion != 0 {
			detailVersion = &view.DetailVersion
		}
		var detail *string
		if view.Detail != nil {
			d := string(view.Detail)
			detail = &d
		}
		_, err := tx.Exec(ctx, `INSERT INTO stream_views (stream_id, version, list_key, document, detail, detail_version)
			VALUES ($1, $2, $3, $4, $5, $6)`, view.StreamID, view.Version, view.ListKey, string(view.Document), detail, detailVersion)
		return err
	})
}

// A complete session forged at negative positions, dated a week before a
// checkpoint, with its read-model row. The service role can no longer
// insert it; and where it is there anyway (a database not migrated, an
// owner who dropped the guard), verify, and verify against the
// checkpoint, name it.
func TestBackdatedForgedSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svcURL, owner := serviceRole(t)
	svc := postgrestest.NewPoolFromURL(t, svcURL)
	s, err := postgres.New(svc, postgres.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	h := commands.NewHandler(s)
	for _, id := range []string{"s1", "s2"} {
		_, err = h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1", UserData: []byte(`{}`)})
		require.NoError(t, err)
	}

	keyFile := filepath.Join(t.TempDir(), "checkpoint.key")
	_, err = runDB(t, svcURL, "checkpoint", "keygen", "--key", keyFile)
	require.NoError(t, err)
	cpFile := filepath.Join(t.TempDir(), "cp.json")
	out, err := runDB(t, svcURL, "checkpoint", "create", "--key", keyFile, "--out", cpFile)
	require.NoError(t, err, out)
	t.Logf("fbsessionctl checkpoint create:\n%s", out)

	events, view := forgedSession(t, "forged", time.Now().AddDate(0, 0, -7))
	err = insertForged(ctx, svc, -20, events, view)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "the service role inserted events at negative positions: %v", err)
	require.Equal(t, "42501", pgErr.Code, "%v", err)
	t.Logf("as the service role: %v", err)

	// Past the guard, as on a database where it is gone.
	role := strings.SplitN(strings.TrimPrefix(svcURL, "postgres://"), "@", 2)[0]
	_, err = owner.Exec(ctx, `ALTER TABLE events DROP CONSTRAINT events_position_positive;
		GRANT INSERT ON events TO `+role)
	require.NoError(t, err)
	require.NoError(t, insertForged(ctx, svc, -20, events, view))
	out, err = runDB(t, svcURL, "history", "forged")
	require.NoError(t, err)
	t.Logf("fbsessionctl history forged:\n%s", out)

	out, err = runDB(t, svcURL, "verify")
	t.Logf("fbsessionctl verify:\n%s%v", out, err)
	require.ErrorIs(t, err, ctl.ErrVerifyFailed)
	require.Contains(t, out, "facebooksession-forged")
	require.Contains(t, out, "not assigned by the store")

	out, err = runDB(t, svcURL, "verify", "--since-checkpoint", cpFile, "--public-key", keyFile+".pub")
	t.Logf("fbsessionctl verify --since-checkpoint:\n%s%v", out, err)
	require.ErrorIs(t, err, ctl.ErrVerifyFailed)
	require.Contains(t, out, "not signed by the checkpoint")
	require.Contains(t, out, "facebooksession-forged")
}
