package pgcluster

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// WALSender is the pid of the primary's WAL sender to its standby:
// SIGSTOP holds back what the standby receives (the lag of an
// asynchronous standby), whatever the standby does; see CrashHoldingSender.
func (n *Node) WALSender() int {
	n.c.t.Helper()
	return n.pid("SELECT pid FROM pg_stat_replication LIMIT 1", "WAL sender")
}

// CrashHoldingSender stops the node with -m immediate while its WAL
// sender, stopped (SIGSTOP) by the caller, sends nothing more: the
// sender is SIGKILLed once the postmaster's SIGQUIT is pending on it,
// so it never runs again. Resumed instead, it could send what it holds
// before it reads the SIGQUIT; killed before the postmaster is told to
// stop, its death would be a crash the postmaster recovers from, taking
// the standby back.
func (n *Node) CrashHoldingSender(sender int) {
	n.c.t.Helper()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		n.Stop("immediate")
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !sigquitPending(sender) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// Gone already (the postmaster may SIGKILL its children itself) or
	// killed now: either way it sent nothing after SIGSTOP.
	_ = syscall.Kill(sender, syscall.SIGKILL)
	<-stopped
}

// sigquitPending tells whether SIGQUIT waits on process pid, or the
// process is gone.
func sigquitPending(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return true
	}
	const sigquit = 1 << (syscall.SIGQUIT - 1)
	for _, line := range strings.Split(string(raw), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "SigPnd" && name != "ShdPnd") {
			continue
		}
		mask, err := strconv.ParseUint(strings.TrimSpace(value), 16, 64)
		if err == nil && mask&sigquit != 0 {
			return true
		}
	}
	return false
}

// Signal sends sig to process pid (a WAL sender or receiver): SIGSTOP
// stalls it, SIGCONT resumes it.
func (c *Cluster) Signal(pid int, sig syscall.Signal) {
	c.t.Helper()
	if err := syscall.Kill(pid, sig); err != nil {
		c.t.Fatalf("pgcluster: signal %v to %d: %v", sig, pid, err)
	}
}
