// Package ctl is fbsessionctl: commands for operators and auditors on the
// same store, with the same configuration, as fbsessiond.
package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/version"
)

// CLI carries what every command writes to and reads from, so that tests
// can run commands in-process.
type CLI struct {
	Out, Err io.Writer
	In       io.Reader
	// ReadPassword reads a password without echo from the terminal; nil
	// when In is not a terminal.
	ReadPassword func() ([]byte, error)
	// ErrIsTerminal turns progress bars on.
	ErrIsTerminal bool
	cfg           config.Config
}

// Command returns the root command.
func (c *CLI) Command() *cobra.Command {
	root := &cobra.Command{
		Use:   "fbsessionctl",
		Short: "Operate and audit fbsession: users, sessions, migrations",
		Long: "Operate and audit fbsession. Each command takes the settings it uses as flags,\n" +
			"defaulting to the environment variables fbsessiond reads (shown in brackets).",
		Example: "  fbsessionctl users add a1 --name agent1 --role agent --password-stdin <password.txt\n" +
			"  fbsessionctl watch --since 1h --session 0002DaAVKJ0V0095\n" +
			"  source <(fbsessionctl completion bash)",
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// A bad environment value stops a command as a bad flag would.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return c.cfg.EnvError(cmd.Flags()) },
	}
	root.SetOut(c.Out)
	root.SetErr(c.Err)
	root.SetIn(c.In)
	root.AddCommand(c.migrateCommand(), c.usersCommand(), c.sessionsCommand(), c.watchCommand(),
		c.historyCommand(), c.stateCommand(), c.verifyCommand(), c.rebuildCommand(), c.replayCommand(), c.exportCommand(), c.checkpointCommand(), c.explainCommand())
	root.AddCommand(c.queuesCommand())
	root.AddCommand(c.messengerCommand())
	return root
}

// withBackend opens the configured store, migrated, for one command.
func (c *CLI) withBackend(ctx context.Context, f func(*backend.Backend) error) error {
	log, err := c.cfg.Logger(c.Err)
	if err != nil {
		return err
	}
	b, err := backend.Open(ctx, &c.cfg, log)
	if err != nil {
		return err
	}
	defer b.Close()
	if _, err := b.Migrate(ctx); err != nil {
		return err
	}
	return f(b)
}

func (c *CLI) migrateCommand() *cobra.Command {
	var serviceRole string
	cmd := &cobra.Command{
		Use:   "migrate [--service-role NAME]",
		Short: "Apply pending schema migrations as the owner role, and print the service role's grants",
		Long: "Run as the role that is to own the tables. On PostgreSQL, prints the GRANT\n" +
			"statements that let the service role (fbsessiond's) insert and read events and\n" +
			"nothing more: run them, with psql, after every migration (docs/ROLES.md).",
		Example: "  DATABASE_URL=postgres://owner@db/fbsession fbsessionctl migrate | psql postgres://owner@db/fbsession\n" +
			"  fbsessionctl migrate --data-dir /var/lib/fbsession",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := c.cfg.Logger(c.Err)
			if err != nil {
				return err
			}
			b, err := backend.Open(cmd.Context(), &c.cfg, log)
			if err != nil {
				return err
			}
			defer b.Close()
			v, err := b.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			if b.Dialect != "postgres" || serviceRole == "" {
				fmt.Fprintf(c.Out, "%s schema at version %d\n", b.Dialect, v)
				return nil
			}
			// All SQL, for psql: the status is a comment.
			fmt.Fprintf(c.Out, "-- %s schema at version %d\n", b.Dialect, v)
			return c.printGrants(cmd.Context(), serviceRole)
		},
	}
	cmd.Flags().StringVar(&serviceRole, "service-role", DefaultServiceRole, "role whose grants to print; empty prints none")
	return c.storeFlags(cmd, false)
}

// printJSON writes v indented, with the characters Printable escapes
// escaped as JSON \u escapes.
func (c *CLI) printJSON(v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := c.Out.Write(printableJSON(b.Bytes()))
	return err
}
