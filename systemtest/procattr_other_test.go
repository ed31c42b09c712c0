//go:build !linux

package systemtest

import "os/exec"

// dieWithTest: only Linux can have the kernel kill a child with its parent.
func dieWithTest(*exec.Cmd) {}
