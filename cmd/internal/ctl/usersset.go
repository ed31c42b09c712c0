package ctl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/users"
)

func (c *CLI) usersSet(actor *string) *cobra.Command {
	var (
		roles    []string
		features []string
	)
	cmd := &cobra.Command{
		Use:   "set ID [--role ROLE]... [--feature FEATURE]...",
		Short: "Replace a user's roles, features, or both",
		Example: "  fbsessionctl users set a1 --role agent --role supervisor\n" +
			"  fbsessionctl users set a1 --feature api-multimedia\n" +
			"  fbsessionctl users set a1 --feature ''   # no features",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			setRoles, setFeatures := cmd.Flags().Changed("role"), cmd.Flags().Changed("feature")
			if !setRoles && !setFeatures {
				return errors.New("give --role, --feature, or both")
			}
			ctx := asActor(cmd.Context(), *actor)
			rs := make([]users.Role, 0, len(roles))
			for _, r := range nonEmpty(roles) {
				rs = append(rs, users.Role(r))
			}
			// Both checked before either is set: no half-made change.
			if err := users.ValidAccess(rs, nonEmpty(features)); err != nil {
				return err
			}
			return c.withBackend(ctx, func(b *backend.Backend) error {
				if setRoles {
					if err := b.Users.SetRoles(ctx, args[0], rs); err != nil {
						return err
					}
				}
				if setFeatures {
					if err := b.Users.SetFeatures(ctx, args[0], nonEmpty(features)); err != nil {
						return err
					}
				}
				fmt.Fprintf(c.Out, "user %s set\n", Printable(args[0]))
				return nil
			})
		},
	}
	cmd.Flags().StringSliceVar(&roles, "role", nil, "agent, supervisor or integration (repeatable; '' for none)")
	cmd.Flags().StringSliceVar(&features, "feature", nil, "api-multimedia, api-supervisor-agent-control (repeatable; '' for none)")
	return c.storeFlags(cmd, false)
}

// nonEmpty drops the empty strings that --flag ” gives.
func nonEmpty(s []string) []string {
	out := []string{}
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// asActor names who changes users with ctx: actor, else whoever runs
// fbsessionctl, as sudo tells it or as the OS does. It is what the
// operator says, not an authentication: the database credentials are
// what let them change users at all.
func asActor(ctx context.Context, actor string) context.Context {
	if actor == "" {
		actor = os.Getenv("SUDO_USER")
	}
	if actor == "" {
		if u, err := user.Current(); err == nil {
			actor = u.Username
		}
	}
	return users.WithActor(ctx, actor)
}
