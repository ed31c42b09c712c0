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
	"github.com/fbsession/fbsession/commands"
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/users"
)

func (c *CLI) usersSet(actor *string) *cobra.Command {
	var (
		roles    []string
		features []string
		capacity int
	)
	cmd := &cobra.Command{
		Use:   "set ID [--role ROLE]... [--feature FEATURE]... [--capacity N]",
		Short: "Replace a user's roles or features, or set an agent's capacity",
		Long: "Replace a user's roles or features, or set an agent's capacity: how many\n" +
			"facebooksession sessions they hold at once, offers not yet answered included\n" +
			"(0-100, 3 until set; 0 takes none). Every value given is checked before any is set.",
		Example: "  fbsessionctl users set a1 --role agent --role supervisor\n" +
			"  fbsessionctl users set a1 --feature api-multimedia\n" +
			"  fbsessionctl users set a1 --feature ''   # no features\n" +
			"  fbsessionctl users set a1 --capacity 5 --actor alice",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			setRoles, setFeatures := cmd.Flags().Changed("role"), cmd.Flags().Changed("feature")
			setCapacity := cmd.Flags().Changed("capacity")
			if !setRoles && !setFeatures && !setCapacity {
				return errors.New("give --role, --feature, --capacity, or several")
			}
			by := actorName(*actor)
			ctx := users.WithActor(cmd.Context(), by)
			rs := make([]users.Role, 0, len(roles))
			for _, r := range nonEmpty(roles) {
				rs = append(rs, users.Role(r))
			}
			// Every value checked before any is set: no half-made change.
			if err := users.ValidAccess(rs, nonEmpty(features)); err != nil {
				return err
			}
			capCmd := as.SetCapacity{Sender: as.Sender{Agent: id, By: by, Administrator: true},
				Channel: as.ChannelFacebookSession, Capacity: capacity}
			if setCapacity {
				if err := as.Validate(capCmd); err != nil {
					return err
				}
			}
			return c.withBackend(ctx, func(b *backend.Backend) error {
				if setCapacity {
					if err := requireAgent(ctx, b.Users, id, rs, setRoles); err != nil {
						return err
					}
				}
				var done []string
				if setRoles {
					if err := b.Users.SetRoles(ctx, id, rs); err != nil {
						return err
					}
					done = append(done, "roles "+orNone(roles))
				}
				if setFeatures {
					if err := b.Users.SetFeatures(ctx, id, nonEmpty(features)); err != nil {
						return err
					}
					done = append(done, "features "+orNone(features))
				}
				if setCapacity {
					// One command, one referenceId: a block would skip the rest.
					refs := commands.NewReferenceIDs(b.Store, 1)
					h := commands.NewAgentHandler(b.Store, commands.WithReferenceIDs(refs))
					out, err := h.Execute(ctx, commands.Request{Actor: by}, capCmd)
					if err != nil {
						return err
					}
					line := fmt.Sprintf("%s capacity %d", as.ChannelFacebookSession, capacity)
					if out.ReferenceID == 0 {
						line += " (already)"
					}
					done = append(done, line)
				}
				fmt.Fprintf(c.Out, "user %s set: %s\n", Printable(id), Printable(strings.Join(done, "; ")))
				return nil
			})
		},
	}
	cmd.Flags().StringSliceVar(&roles, "role", nil, "agent, supervisor or integration (repeatable; '' for none)")
	cmd.Flags().StringSliceVar(&features, "feature", nil, "api-multimedia, api-supervisor-agent-control (repeatable; '' for none)")
	cmd.Flags().IntVar(&capacity, "capacity", as.DefaultCapacity, "an agent's facebooksession sessions at once, 0-100")
	return c.storeFlags(cmd, false)
}

// requireAgent refuses a capacity for a user who is not there or is no
// agent once the roles given, if any, are set: a capacity nobody routes
// by would mislead. A disabled agent may be configured.
func requireAgent(ctx context.Context, dir *users.Directory, id string, roles []users.Role, setRoles bool) error {
	u, err := dir.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("user %s: %w", Printable(id), err)
	}
	if setRoles {
		u.Roles = roles
	}
	if !u.Has(users.RoleAgent) {
		return fmt.Errorf("user %s is not an agent: only an agent has a capacity", Printable(id))
	}
	return nil
}

// orNone is values as the log tells them: comma-separated, or "none".
func orNone(values []string) string {
	if v := nonEmpty(values); len(v) > 0 {
		return strings.Join(v, ", ")
	}
	return "none"
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

// actorName is who changes users or agents: actor, else whoever runs
// fbsessionctl, as sudo tells it or as the OS does. It is what the
// operator says, not an authentication: the database credentials are
// what let them change users at all.
func actorName(actor string) string {
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

// asActor names who changes users with ctx, as actorName tells it.
func asActor(ctx context.Context, actor string) context.Context {
	return users.WithActor(ctx, actorName(actor))
}
