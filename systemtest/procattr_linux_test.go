package systemtest

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel SIGKILL cmd if the test binary dies first
// (a timeout's panic runs no cleanup), so that no server outlives it.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
