// Command fbsessiond serves the fbsession REST API.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/daemon"
	"github.com/fbsession/fbsession/cmd/internal/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := command(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fbsessiond:", err)
		os.Exit(1)
	}
}

// command is fbsessiond's command line; help and --version go to out, the
// log to logs.
func command(out, logs io.Writer) *cobra.Command {
	var cfg config.Config
	cmd := &cobra.Command{
		Use:   "fbsessiond",
		Short: "Serve the fbsession REST API (GWS Facebook Private Messaging: Complete)",
		Long: "Serve the fbsession REST API (GWS Facebook Private Messaging: Complete).\n\n" +
			"Every flag defaults to the environment variable in brackets.\n\n" + config.EnvSecrets,
		Version:       version.String(),
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.EnvError(cmd.Flags()); err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			log, err := cfg.Logger(logs)
			if err != nil {
				return err
			}
			log.Info("starting fbsessiond", "version", cmd.Version)
			return daemon.Run(cmd.Context(), &cfg, log, nil)
		},
	}
	cmd.SetOut(out)
	cfg.Register(cmd.Flags())
	return cmd
}
