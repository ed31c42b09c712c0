package pgcluster

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The premise of docs/HA.md: a commit waiting for its synchronous standby
// is invisible to other sessions until the wait ends; only a cancelled
// wait would show it first.
func TestCommitInvisibleDuringSyncWait(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers")
	}
	t.Parallel()
	ctx := context.Background()
	c := Start(t, Options{Sync: true, SyncCommit: "remote_apply"})
	c.Primary.Exec("postgres", "CREATE TABLE t (x int)")
	c.Standby.Exec("postgres", "SELECT pg_wal_replay_pause()")
	inserted := make(chan error, 1)
	go func() {
		conn, err := pgx.Connect(ctx, c.Primary.URL("postgres"))
		if err == nil {
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, "INSERT INTO t VALUES (1)")
		}
		inserted <- err
	}()
	time.Sleep(500 * time.Millisecond)
	conn, err := pgx.Connect(ctx, c.Primary.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func() int {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("%d rows visible while their commit waits for the standby", n)
	}
	c.Standby.Exec("postgres", "SELECT pg_wal_replay_resume()")
	if err := <-inserted; err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d rows after the commit", n)
	}
}
