package pgcluster

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// An asynchronous standby whose primary crashes with its WAL sender held
// lacks what the primary committed meanwhile, and has what came before:
// the lag the failover tests make.
func TestCrashHoldingSenderLosesTheTail(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers")
	}
	t.Parallel()
	c := Start(t, Options{})
	c.Primary.Exec("postgres", "CREATE TABLE t (x int)")
	c.Primary.Exec("postgres", "INSERT INTO t VALUES (1)")
	// Replayed: the standby answers the table's row.
	for deadline := time.Now().Add(30 * time.Second); count(t, c.Standby) != 1; {
		if time.Now().After(deadline) {
			t.Fatal("the standby never replayed the first row")
		}
		time.Sleep(50 * time.Millisecond)
	}
	sender := c.Primary.WALSender()
	c.Signal(sender, syscall.SIGSTOP)
	c.Primary.Exec("postgres", "INSERT INTO t VALUES (2)")
	c.Primary.CrashHoldingSender(sender)
	c.Standby.Promote()
	if n := count(t, c.Standby); n != 1 {
		t.Fatalf("the promoted standby has %d rows, want the 1 before the sender was held", n)
	}
}

// count is how many rows t has on the node, -1 before it has the table.
func count(t *testing.T, n *Node) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, n.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&rows); err != nil {
		return -1
	}
	return rows
}
