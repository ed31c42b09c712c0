package ctl

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Each command adds the groups of settings it uses, so that its --help
// lists those and no others; they default from the same environment
// variables as fbsessiond's.

// storeFlags: the commands that open the store. Every one opens the user
// directory, which takes --bcrypt-cost; only those that hash passwords
// show it (hashes says which), the others accept it hidden so that a
// script passing the same settings to every command keeps working.
func (c *CLI) storeFlags(cmd *cobra.Command, hashes bool) *cobra.Command {
	c.cfg.RegisterStore(cmd.Flags())
	c.cfg.RegisterLog(cmd.Flags())
	if !hashes {
		_ = cmd.Flags().MarkHidden("bcrypt-cost")
	}
	return cmd
}

// natsFlags: the commands that connect to NATS.
func (c *CLI) natsFlags(cmd *cobra.Command) *cobra.Command {
	c.cfg.RegisterNATS(cmd.Flags())
	return cmd
}

// publicURLFlags: the commands that print or publish resource uris.
func (c *CLI) publicURLFlags(cmd *cobra.Command) *cobra.Command {
	c.cfg.RegisterPublicURL(cmd.Flags())
	return cmd
}

// acceptStoreFlags: commands that use no setting accept, hidden, those
// of the store, which every command took when they were all global, so
// that a script passing them to every command keeps working.
func (c *CLI) acceptStoreFlags(cmd *cobra.Command) *cobra.Command {
	fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	c.cfg.RegisterStore(fs)
	c.cfg.RegisterLog(fs)
	fs.VisitAll(func(f *pflag.Flag) { f.Hidden = true })
	cmd.Flags().AddFlagSet(fs)
	return cmd
}
