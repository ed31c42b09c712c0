package ctl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/users"
)

func (c *CLI) usersCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Manage API users",
		Long: "Manage API users. Every change is recorded in the log first, in the stream\n" +
			"user-<id>, with who made it (--actor): fbsessionctl history --user ID.",
		Example: "  fbsessionctl users list\n  fbsessionctl users disable a1 --actor alice"}
	actor := new(string)
	cmd.PersistentFlags().StringVar(actor, "actor", "", "who makes the change, as the log records it (default: the OS user, or $SUDO_USER)")
	cmd.AddCommand(c.usersAdd(actor), c.usersList(), c.usersSetDisabled(actor, true), c.usersSetDisabled(actor, false),
		c.usersPasswd(actor), c.usersSet(actor))
	return cmd
}

func (c *CLI) usersAdd(actor *string) *cobra.Command {
	var (
		u             users.User
		roles         []string
		passwordStdin bool
	)
	cmd := &cobra.Command{
		Use:   "add ID --name NAME --role ROLE [--feature api-multimedia] [--password-stdin]",
		Short: "Add a user; the password is prompted for, or read from stdin",
		Example: "  fbsessionctl users add a1 --name agent1 --role agent --feature api-multimedia\n" +
			"  printf '%s\\n' \"$PASSWORD\" | fbsessionctl users add router --name router --role integration --password-stdin",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u.ID = args[0]
			for _, r := range roles {
				u.Roles = append(u.Roles, users.Role(r))
			}
			if err := u.Validate(); err != nil {
				return err
			}
			password, err := c.password(passwordStdin)
			if err != nil {
				return err
			}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				if err := b.Users.Add(asActor(cmd.Context(), *actor), u, password); err != nil {
					return err
				}
				fmt.Fprintf(c.Out, "user %s added\n", Printable(u.ID))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&u.UserName, "name", "", "user name, for HTTP Basic authentication (required)")
	cmd.Flags().StringSliceVar(&roles, "role", nil, "agent, supervisor or integration (repeatable)")
	cmd.Flags().StringSliceVar(&u.Features, "feature", nil, "api-multimedia, api-supervisor-agent-control (repeatable)")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of stdin")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("role")
	return c.storeFlags(cmd, true)
}

func (c *CLI) usersList() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List users",
		Example: "  fbsessionctl users list\n  fbsessionctl users list --json --database-url postgres://fbsession@db/fbsession",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				list, err := b.Users.List(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return c.printJSON(list)
				}
				w := tabwriter.NewWriter(c.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tNAME\tROLES\tFEATURES\tSTATUS")
				for _, u := range list {
					status := "enabled"
					if u.Disabled {
						status = "disabled"
					}
					roles := make([]string, len(u.Roles))
					for i, r := range u.Roles {
						roles[i] = string(r)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", Printable(u.ID), Printable(u.UserName),
						Printable(strings.Join(roles, ",")), Printable(strings.Join(u.Features, ",")), status)
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c.storeFlags(cmd, false)
}

func (c *CLI) usersSetDisabled(actor *string, disabled bool) *cobra.Command {
	use, short := "enable ID", "Let a disabled user log in again"
	if disabled {
		use, short = "disable ID", "Stop a user from logging in (takes effect within a second)"
	}
	var withdrawer string
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: "  fbsessionctl users " + strings.Fields(use)[0] + " a1",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				if err := b.Users.SetDisabled(asActor(cmd.Context(), *actor), args[0], disabled); err != nil {
					return err
				}
				fmt.Fprintf(c.Out, "user %s %sd\n", Printable(args[0]), strings.Fields(use)[0])
				if !disabled {
					return nil
				}
				return c.withdrawSessions(cmd.Context(), b, withdrawer, args[0])
			})
		},
	}
	if disabled {
		cmd.Long = short + ". The sessions offered to them or in their hands are taken back to wait\n" +
			"for routing (Withdraw): nobody else could take them otherwise. Run it again to\n" +
			"finish what an interrupted run left."
		cmd.Flags().StringVar(&withdrawer, "as", "fbsessionctl", "actor recorded in the withdrawals' metadata")
	}
	return c.storeFlags(cmd, false)
}

func (c *CLI) usersPasswd(actor *string) *cobra.Command {
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:     "passwd ID [--password-stdin]",
		Short:   "Set a user's password",
		Example: "  fbsessionctl users passwd a1\n  fbsessionctl users passwd a1 --password-stdin <password.txt",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			password, err := c.password(passwordStdin)
			if err != nil {
				return err
			}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				if err := b.Users.SetPassword(asActor(cmd.Context(), *actor), args[0], password); err != nil {
					return err
				}
				fmt.Fprintf(c.Out, "password of %s set\n", Printable(args[0]))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of stdin")
	return c.storeFlags(cmd, true)
}

// password reads a new password: from stdin's first line, or prompted
// twice on a terminal. Never from a flag, where it would land in shell
// history and process lists.
func (c *CLI) password(fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(c.In).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if c.ReadPassword == nil {
		return "", errors.New("no password: pass --password-stdin and write it to stdin")
	}
	fmt.Fprint(c.Err, "Password: ")
	p1, err := c.ReadPassword()
	fmt.Fprintln(c.Err)
	if err != nil {
		return "", err
	}
	fmt.Fprint(c.Err, "Again: ")
	p2, err := c.ReadPassword()
	fmt.Fprintln(c.Err)
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", errors.New("the passwords differ")
	}
	return string(p1), nil
}
