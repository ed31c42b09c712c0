// Command fbsessiond serves the fbsession REST API.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/daemon"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg config.Config
	cmd := &cobra.Command{
		Use:   "fbsessiond",
		Short: "Serve the fbsession REST API (GWS Facebook Private Messaging: Complete)",
		Long: "Serve the fbsession REST API (GWS Facebook Private Messaging: Complete).\n\n" +
			"Every flag defaults to the environment variable in brackets.\n\n" + config.EnvSecrets,
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
			log, err := cfg.Logger(os.Stderr)
			if err != nil {
				return err
			}
			return daemon.Run(cmd.Context(), &cfg, log, nil)
		},
	}
	cfg.Register(cmd.Flags())
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fbsessiond:", err)
		os.Exit(1)
	}
}
