package ctl_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/users"
	"github.com/fbsession/fbsession/websession"
)

// The service role granted ServiceGrants runs the service, and cannot
// change or remove an event.
func TestServiceRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL := postgrestest.SchemaURL(t)
	schema := searchPath(t, ownerURL)

	// The owner migrates; fbsessionctl migrate prints the grants.
	var out bytes.Buffer
	c := &ctl.CLI{Out: &out, Err: &out, In: strings.NewReader("")}
	cmd := c.Command()
	var b [4]byte
	_, _ = rand.Read(b[:])
	role := "fbs_service_" + hex.EncodeToString(b[:])
	cmd.SetArgs([]string{"migrate", "--database-url", ownerURL, "--service-role", role, "--log-level", "error"})
	require.NoError(t, cmd.ExecuteContext(ctx))
	t.Logf("fbsessionctl migrate:\n%s", out.String())
	for _, g := range ctl.ServiceGrants(role, schema) {
		require.Contains(t, out.String(), g+";")
	}

	owner := postgrestest.NewPoolFromURL(t, ownerURL)
	_, err := owner.Exec(ctx, "CREATE ROLE "+role+" LOGIN")
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = owner.Exec(ctx, "DROP OWNED BY "+role)
		_, _ = owner.Exec(ctx, "DROP ROLE "+role)
	})
	for _, g := range ctl.ServiceGrants(role, schema) {
		_, err := owner.Exec(ctx, g)
		require.NoError(t, err, g)
	}
	dir := users.NewDirectory(stdlib.OpenDBFromPool(owner), bcrypt.MinCost, postgres.IsUniqueViolation)
	require.NoError(t, dir.Add(ctx, users.User{ID: "a1", UserName: "agent1", Roles: []users.Role{users.RoleAgent}}, "correct horse"))

	// As the service: what fbsessiond does works.
	svcURL := withUser(t, ownerURL, role)
	svc := postgrestest.NewPoolFromURL(t, svcURL)
	var who string
	require.NoError(t, svc.QueryRow(ctx, "SELECT current_user").Scan(&who))
	require.Equal(t, role, who)
	s, err := postgres.New(svc, postgres.Config{PollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(ctx)
	require.NoError(t, err, "the start-up migration check")
	appended := s.Appended() // LISTEN
	h := commands.NewHandler(s)
	_, err = h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1", UserData: []byte(`{}`)})
	require.NoError(t, err)
	q := "q"
	_, err = h.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1", QueueName: &q})
	require.NoError(t, err)
	select {
	case <-appended:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after an append")
	}
	feed, err := s.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	require.Len(t, feed, 3)
	_, err = s.ReserveSequence(ctx, &eventstore.ReserveSequenceParams{Name: "referenceId", N: 10})
	require.NoError(t, err)
	require.NoError(t, s.SaveCheckpoint(ctx, &eventstore.SaveCheckpointParams{Name: "notifier", Cursor: feed[2].Cursor()}))
	_, err = s.Checkpoint(ctx, &eventstore.CheckpointParams{Name: "notifier"})
	require.NoError(t, err)
	lease, err := s.Lease(ctx, &eventstore.LeaseParams{Name: "notifier"})
	require.NoError(t, err)
	lease.Release()
	// A higher cost makes the login try to re-hash the password, which
	// the role may not: the login still succeeds.
	svcDir := users.NewDirectory(stdlib.OpenDBFromPool(svc), bcrypt.MinCost+1, postgres.IsUniqueViolation)
	_, err = svcDir.Verify(ctx, "agent1", "correct horse")
	require.NoError(t, err)
	// Browser sessions: issued, looked up, swept and ended.
	svcDB := stdlib.OpenDBFromPool(svc)
	sessions, err := websession.New(svcDB, websession.Config{})
	require.NoError(t, err)
	var version int64
	require.NoError(t, svcDB.QueryRowContext(ctx, "SELECT version FROM users WHERE id = 'a1'").Scan(&version))
	a1, err := svcDir.Get(ctx, "a1")
	require.NoError(t, err)
	_, token, err := sessions.Issue(ctx, a1, version)
	require.NoError(t, err)
	_, _, err = sessions.Lookup(ctx, token)
	require.NoError(t, err)
	_, err = sessions.Sweep(ctx)
	require.NoError(t, err)
	require.NoError(t, sessions.End(ctx, token))

	// And nothing that changes or removes an event, nor the guard.
	for _, sql := range refusedToService() {
		_, err := svc.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		require.True(t, errors.As(err, &pgErr), "%s: %v", sql, err)
		require.Equal(t, "42501", pgErr.Code, "%s: %v", sql, err)
		require.NotContains(t, pgErr.Message, "append-only", "%s: refused by privileges, not by the trigger", sql)
		t.Logf("%-100.100s → %s (SQLSTATE %s)", sql, pgErr.Message, pgErr.Code)
	}
	var events int
	require.NoError(t, owner.QueryRow(ctx, "SELECT count(*) FROM events").Scan(&events))
	require.Equal(t, 3, events)
}

// refusedToService is SQL the service role may not run: each changes or
// removes an event, the guard, the users or the schema's record, or
// places an event where the store would not.
func refusedToService() []string {
	return []string{
		"UPDATE events SET data = '{}' WHERE position = 1",
		"DELETE FROM events",
		"TRUNCATE events",
		"ALTER TABLE events DISABLE TRIGGER events_no_update_delete",
		"ALTER TABLE events DISABLE TRIGGER ALL",
		"DROP TABLE events",
		"DROP FUNCTION events_append_only()",
		"CREATE TABLE events_copy (LIKE events)",
		"SET session_replication_role = replica",
		"DELETE FROM stream_views",
		"INSERT INTO users (id, user_name, password_hash, roles, features, version) VALUES ('x', 'x', 'x', 'admin', '', 99)",
		"UPDATE users SET roles = 'admin'",
		"UPDATE users SET password_hash = 'x'",
		"DELETE FROM goose_db_version",
		// Positions and transaction ids come from their defaults only.
		`INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at, hash)
			OVERRIDING SYSTEM VALUE SELECT -20, 'x', 1, gen_random_uuid(), event_type, schema_version, data, metadata, recorded_at, hash FROM events WHERE position = 1`,
		`INSERT INTO events (transaction_id, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, recorded_at, hash)
			SELECT '1'::xid8, 'x', 1, gen_random_uuid(), event_type, schema_version, data, metadata, recorded_at, hash FROM events WHERE position = 1`,
		"UPDATE events SET transaction_id = '1'::xid8",
	}
}

func searchPath(t *testing.T, u string) string {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(u)
	require.NoError(t, err)
	return cfg.ConnConfig.RuntimeParams["search_path"]
}

// withUser is u with another user name (the test server trusts any).
func withUser(t *testing.T, u, user string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	parsed.User = url.User(user)
	return parsed.String()
}
