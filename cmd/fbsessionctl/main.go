// Command fbsessionctl operates and audits fbsession.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/fbsession/fbsession/cmd/internal/ctl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cli := &ctl.CLI{Out: os.Stdout, Err: os.Stderr, In: os.Stdin, ErrIsTerminal: term.IsTerminal(int(os.Stderr.Fd()))}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		cli.ReadPassword = func() ([]byte, error) { return term.ReadPassword(fd) }
	}
	if err := cli.Command().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fbsessionctl:", ctl.Printable(err.Error()))
		os.Exit(1)
	}
}
