package ctl

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/domain/queue"
)

func (c *CLI) queuesCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "queues", Short: "Manage the queues sessions wait in, and their members",
		Long: "Manage queues. Every change is recorded in the log first, in the stream\n" +
			"queue-<name>, with who made it (--actor): fbsessionctl history --queue NAME.\n" +
			"A queue is named by its name or its id wherever one is asked for.",
		Example: "  fbsessionctl queues add Sales --offer-timeout 20s\n" +
			"  fbsessionctl queues members add Sales a1 a2\n  fbsessionctl queues list"}
	actor := new(string)
	cmd.PersistentFlags().StringVar(actor, "actor", "", "who makes the change, as the log records it (default: the OS user, or $SUDO_USER)")
	cmd.AddCommand(c.queuesAdd(actor), c.queuesList(), c.queuesSet(actor), c.queuesRemove(actor), c.queuesMembers(actor))
	return cmd
}

func (c *CLI) queuesAdd(actor *string) *cobra.Command {
	var (
		timeout  time.Duration
		notReady bool
	)
	cmd := &cobra.Command{
		Use:   "add NAME [--offer-timeout 30s] [--no-answer-not-ready=true]",
		Short: "Add a queue; it gets a new id",
		Long: "Add a queue. A name is 1-64 ASCII letters, digits, spaces and _ . - (not digits\n" +
			"only, not starting or ending with a space), case-sensitive. An offer not\n" +
			"accepted within the offer timeout goes back to the queue, and its agent is set\n" +
			"NotReady with reason NoAnswer unless --no-answer-not-ready=false.",
		Example: "  fbsessionctl queues add Sales\n  fbsessionctl queues add 'Post Processing' --offer-timeout 1m --no-answer-not-ready=false",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			seconds, err := offerSeconds(timeout)
			if err != nil {
				return err
			}
			add := queue.Add{Name: args[0], OfferTimeoutSeconds: seconds, NoAnswerNotReady: &notReady, By: operator(*actor)}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				h := commands.NewQueueHandler(b.Store, b.Users)
				out, err := h.Add(cmd.Context(), commands.Request{Actor: add.By}, add)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.Out, "queue %s added, id %s\n", Printable(out.State.Name), out.State.ID)
				return nil
			})
		},
	}
	cmd.Flags().DurationVar(&timeout, "offer-timeout", queue.DefaultOfferTimeoutSeconds*time.Second, "how long an offer waits for the agent (whole seconds, 1s-1h)")
	cmd.Flags().BoolVar(&notReady, "no-answer-not-ready", true, "set an agent who lets an offer time out NotReady, reason NoAnswer")
	return c.storeFlags(cmd, false)
}

func (c *CLI) queuesList() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the queues",
		Example: "  fbsessionctl queues list\n  fbsessionctl queues list --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				list, err := commands.NewQueueHandler(b.Store, b.Users).Queues().List(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					if list == nil {
						list = []queue.State{}
					}
					return c.printJSON(list)
				}
				w := tabwriter.NewWriter(c.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tNAME\tOFFER TIMEOUT\tNO ANSWER\tMEMBERS")
				for _, q := range list {
					noAnswer := "NotReady"
					if !q.NoAnswerNotReady {
						noAnswer = "stays Ready"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\n", q.ID, Printable(q.Name),
						time.Duration(q.OfferTimeoutSeconds)*time.Second, noAnswer, len(q.Members))
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON, members included")
	return c.storeFlags(cmd, false)
}

func (c *CLI) queuesSet(actor *string) *cobra.Command {
	var (
		timeout  time.Duration
		notReady bool
	)
	cmd := &cobra.Command{
		Use:     "set QUEUE [--offer-timeout D] [--no-answer-not-ready=BOOL]",
		Short:   "Change a queue's offer timeout, its NoAnswer rule, or both",
		Example: "  fbsessionctl queues set Sales --offer-timeout 45s\n  fbsessionctl queues set 3 --no-answer-not-ready=false",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set := queue.Set{By: operator(*actor)}
			if cmd.Flags().Changed("offer-timeout") {
				seconds, err := offerSeconds(timeout)
				if err != nil {
					return err
				}
				set.OfferTimeoutSeconds = &seconds
			}
			if cmd.Flags().Changed("no-answer-not-ready") {
				set.NoAnswerNotReady = &notReady
			}
			if set.OfferTimeoutSeconds == nil && set.NoAnswerNotReady == nil {
				return errors.New("give --offer-timeout, --no-answer-not-ready, or both")
			}
			return c.runQueueCommand(cmd, args[0], set, "set")
		},
	}
	cmd.Flags().DurationVar(&timeout, "offer-timeout", 0, "how long an offer waits for the agent (whole seconds, 1s-1h)")
	cmd.Flags().BoolVar(&notReady, "no-answer-not-ready", true, "set an agent who lets an offer time out NotReady, reason NoAnswer")
	return c.storeFlags(cmd, false)
}

func (c *CLI) queuesRemove(actor *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove QUEUE",
		Short: "Remove a queue; its name may be added again, as a new queue",
		Long: "Remove a queue, with its members. Sessions already queued to it are left as\n" +
			"they are; adding the name again makes a new queue, with a new id.",
		Example: "  fbsessionctl queues remove Sales",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.runQueueCommand(cmd, args[0], queue.Remove{By: operator(*actor)}, "removed")
		},
	}
	return c.storeFlags(cmd, false)
}

// runQueueCommand runs cmd on the queue idOrName names and tells what it
// did: done, or unchanged when there was nothing to do.
func (c *CLI) runQueueCommand(cmd *cobra.Command, idOrName string, qc queue.Command, done string) error {
	return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
		h := commands.NewQueueHandler(b.Store, b.Users)
		out, err := h.Execute(cmd.Context(), commands.Request{Actor: actorOf(qc)}, idOrName, qc)
		if err != nil {
			return err
		}
		if out.ReferenceID == 0 {
			done = "unchanged"
		}
		fmt.Fprintf(c.Out, "queue %s %s", Printable(out.State.Name), done)
		if !out.State.Removed {
			fmt.Fprintf(c.Out, ": offer timeout %s, %d members", time.Duration(out.State.OfferTimeoutSeconds)*time.Second, len(out.State.Members))
		}
		fmt.Fprintln(c.Out)
		return nil
	})
}

// actorOf is who sends a queue command.
func actorOf(cmd queue.Command) string {
	switch c := cmd.(type) {
	case queue.Set:
		return c.By
	case queue.Remove:
		return c.By
	case queue.AddMembers:
		return c.By
	case queue.RemoveMembers:
		return c.By
	case queue.Add:
		return c.By
	}
	return ""
}

// offerSeconds is an --offer-timeout in whole seconds; its range is the
// domain's to judge.
func offerSeconds(d time.Duration) (int, error) {
	if d%time.Second != 0 {
		return 0, fmt.Errorf("--offer-timeout %s: give whole seconds", d)
	}
	return int(min(d/time.Second, 1<<31-1)), nil
}

// operator is who changes queues: actor, else whoever runs fbsessionctl,
// as sudo tells it or as the OS does (as asActor does for users).
func operator(actor string) string {
	if actor == "" {
		actor = os.Getenv("SUDO_USER")
	}
	if actor == "" {
		if u, err := user.Current(); err == nil {
			actor = u.Username
		}
	}
	return actor
}
