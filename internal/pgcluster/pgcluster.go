// Package pgcluster runs a PostgreSQL primary and a streaming standby made
// by pg_basebackup -R, on loopback, for failover tests: each on its own
// port and data directory under a temporary directory, removed at the end.
// The servers run as the postgres user when the test runs as root
// (PostgreSQL refuses root), through runuser.
package pgcluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options shape the cluster.
type Options struct {
	// Sync makes the standby synchronous: synchronous_standby_names = '*'
	// and synchronous_commit = SyncCommit ("on" by default).
	Sync       bool
	SyncCommit string
}

// Node is one server.
type Node struct {
	Name string
	Port int
	Data string
	c    *Cluster
}

// Cluster is a primary and its standby.
type Cluster struct {
	Primary, Standby *Node
	bin, dir         string
	asPostgres       bool
	t                testing.TB
}

// Bin is the newest installed PostgreSQL's binaries directory, or "".
func Bin() string {
	if b := os.Getenv("PG_BIN"); b != "" {
		return b
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) < version(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_basebackup")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

func version(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

// Start starts a primary and a standby streaming from it. Without the
// binaries the test is skipped, or fails under CI=true.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	bin := Bin()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("pgcluster: no PostgreSQL binaries (set PG_BIN)")
		}
		t.Skip("pgcluster: no PostgreSQL binaries (set PG_BIN)")
	}
	dir, err := os.MkdirTemp("", "pgcluster-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{bin: bin, dir: dir, asPostgres: os.Geteuid() == 0, t: t}
	t.Cleanup(func() {
		for _, n := range []*Node{c.Standby, c.Primary} {
			if n != nil {
				n.Stop("immediate")
			}
		}
		os.RemoveAll(dir)
	})
	if c.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("pgcluster: running as root needs a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.Primary = &Node{Name: "primary", Port: freePort(t), Data: filepath.Join(dir, "primary"), c: c}
	c.run("initdb", "-D", c.Primary.Data, "-U", "postgres", "--auth=trust", "--no-sync")
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"wal_level = replica\nmax_wal_senders = 5\nfsync = off\nfull_page_writes = off\nwal_keep_size = '64MB'\n",
		c.Primary.Port, dir)
	if opts.Sync {
		commit := opts.SyncCommit
		if commit == "" {
			commit = "on"
		}
		conf += fmt.Sprintf("synchronous_standby_names = '*'\nsynchronous_commit = %s\n", commit)
	}
	c.appendConf(c.Primary, conf)
	c.Primary.start()

	c.Standby = &Node{Name: "standby", Port: freePort(t), Data: filepath.Join(dir, "standby"), c: c}
	c.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Primary.Port), "-U", "postgres",
		"-D", c.Standby.Data, "-R", "-X", "stream", "--no-sync")
	c.appendConf(c.Standby, fmt.Sprintf("port = %d\ncluster_name = 'standby1'\n", c.Standby.Port))
	c.Standby.start()
	c.waitStreaming()
	return c
}

// URL is a connection string to one node's database db.
func (n *Node) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", n.Port, db)
}

// MultiHostURL lists both nodes, as an operator's DATABASE_URL does
// (docs/HA.md): the one that takes writes is chosen.
func (c *Cluster) MultiHostURL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/%s?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		c.Primary.Port, c.Standby.Port, db)
}

// CreateDB creates a database on the primary (the standby follows).
func (c *Cluster) CreateDB(db string) {
	c.t.Helper()
	c.Primary.Exec("postgres", "CREATE DATABASE "+db)
}

// Exec runs sql on the node's database db.
func (n *Node) Exec(db, sql string) {
	n.c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, n.URL(db))
	if err != nil {
		n.c.t.Fatalf("pgcluster: connect to %s: %v", n.Name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		n.c.t.Fatalf("pgcluster: %s on %s: %v", sql, n.Name, err)
	}
}

// pid is the process id query reads from the node's statistics, waiting
// up to 30 s for the process (what) to show.
func (n *Node) pid(query, what string) int {
	n.c.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := pgx.Connect(ctx, n.URL("postgres"))
		if err == nil {
			var pid int
			err = conn.QueryRow(ctx, query).Scan(&pid)
			conn.Close(ctx)
			if err == nil && pid > 0 {
				return pid
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	n.c.t.Fatalf("pgcluster: no %s on %s", what, n.Name)
	return 0
}

// Stop stops the node: "immediate" is a crash.
func (n *Node) Stop(mode string) {
	n.c.tryRun("pg_ctl", "-D", n.Data, "-m", mode, "-w", "stop")
}

// Promote makes the standby a primary and waits until it takes writes.
func (n *Node) Promote() {
	n.c.t.Helper()
	n.c.run("pg_ctl", "-D", n.Data, "-w", "promote")
}

// StartAgain starts a stopped node.
func (n *Node) StartAgain() {
	n.c.t.Helper()
	n.start()
}

func (n *Node) start() {
	n.c.t.Helper()
	n.c.run("pg_ctl", "-D", n.Data, "-l", filepath.Join(n.c.dir, n.Name+".log"), "-w", "start")
}

func (c *Cluster) appendConf(n *Node, conf string) {
	c.t.Helper()
	f, err := os.OpenFile(filepath.Join(n.Data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(conf); err != nil {
		c.t.Fatal(err)
	}
}

// waitStreaming waits until the primary sees its standby streaming.
func (c *Cluster) waitStreaming() {
	c.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := pgx.Connect(ctx, c.Primary.URL("postgres"))
		if err == nil {
			var n int
			err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").Scan(&n)
			conn.Close(ctx)
			if err == nil && n > 0 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatal("pgcluster: the standby never streamed")
}

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if c.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("pgcluster: %s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, out, c.logs())
	}
}

func (c *Cluster) tryRun(name string, args ...string) {
	c.command(name, args...).Run()
}

// logs are the servers' logs, for a failure.
func (c *Cluster) logs() string { return c.Logs() }

// Logs are the servers' logs.
func (c *Cluster) Logs() string {
	var b strings.Builder
	for _, n := range []string{"primary", "standby"} {
		if raw, err := os.ReadFile(filepath.Join(c.dir, n+".log")); err == nil {
			fmt.Fprintf(&b, "--- %s.log\n%s", n, raw)
		}
	}
	return b.String()
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
