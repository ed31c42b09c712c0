package systemtest

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// freePorts returns n loopback ports free at the time of the call, below
// the kernel's ephemeral range when it can: a process killed and started
// again needs its port back, and an outgoing connection of another test
// could otherwise have been given it meanwhile.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil {
				low = v
			}
		}
	}
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		addr := "127.0.0.1:0"
		if low > 11024 && tries < 1000 {
			addr = fmt.Sprintf("127.0.0.1:%d", 10024+mrand.IntN(low-11024))
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// child is a process of a test, killed and started again with the same
// command; its output is appended to log.
type child struct {
	t    *testing.T
	name string
	args []string
	env  []string
	log  string
	cmd  *exec.Cmd
}

func (c *child) start() {
	c.t.Helper()
	f, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(c.t, err)
	defer f.Close()
	fmt.Fprintf(f, "=== start %s\n", time.Now().Format(time.RFC3339Nano))
	c.cmd = exec.Command(c.args[0], c.args[1:]...)
	c.cmd.Env = append(os.Environ(), c.env...)
	c.cmd.Stdout, c.cmd.Stderr = f, f
	dieWithTest(c.cmd)
	require.NoError(c.t, c.cmd.Start())
}

// kill SIGKILLs the process, if it runs.
func (c *child) kill() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
	c.cmd = nil
}

// stopGrace is how long a SIGTERMed fbsessiond may take to exit: its
// shutdown timeout (daemon.ShutdownTimeout), and some.
const stopGrace = 20 * time.Second

// stop SIGTERMs the process and returns how it exited: nil for a clean
// exit. One that outlasts stopGrace is SIGKILLed.
func (c *child) stop() error {
	if c.cmd == nil || c.cmd.Process == nil {
		return errors.New(c.name + " is not running")
	}
	cmd := c.cmd
	c.cmd = nil
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		return err
	case <-time.After(stopGrace):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		return fmt.Errorf("%s: no shutdown within %s", c.name, stopGrace)
	}
}

// tail is the end of the process's output, for a failure's message.
func (c *child) tail() string {
	b, _ := os.ReadFile(c.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return fmt.Sprintf("--- %s (%s):\n%s", c.name, c.log, b)
}
