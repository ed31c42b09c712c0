package ctl

import (
	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/domain/queue"
)

func (c *CLI) queuesMembers(actor *string) *cobra.Command {
	cmd := &cobra.Command{Use: "members", Short: "Add agents to a queue, or take them out",
		Example: "  fbsessionctl queues members add Sales a1 a2\n  fbsessionctl queues members remove 3 a2"}
	add := &cobra.Command{
		Use:   "add QUEUE AGENT...",
		Short: "Make agents members of a queue; each must be a user with the agent role",
		Long: "Make agents members of a queue (by name or id). Each must be a user of the\n" +
			"directory with the agent role: if one is not, nothing changes. Agents already\n" +
			"members are left as they are.",
		Example: "  fbsessionctl queues members add Sales a1 a2",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.runQueueCommand(cmd, args[0], queue.AddMembers{Agents: args[1:], By: operator(*actor)}, "members added")
		},
	}
	remove := &cobra.Command{
		Use:     "remove QUEUE AGENT...",
		Short:   "Take agents out of a queue; those not members are ignored",
		Example: "  fbsessionctl queues members remove Sales a2",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.runQueueCommand(cmd, args[0], queue.RemoveMembers{Agents: args[1:], By: operator(*actor)}, "members removed")
		},
	}
	cmd.AddCommand(c.storeFlags(add, false), c.storeFlags(remove, false))
	return cmd
}
