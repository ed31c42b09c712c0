package ctl

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/sessionview"
)

func (c *CLI) sessionsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "sessions", Short: "Create and read facebooksessions",
		Example: "  fbsessionctl sessions create --file intake.json\n  fbsessionctl sessions get 0002DaAVKJ0V0095"}
	cmd.AddCommand(c.sessionsCreate(), c.sessionsGet())
	return cmd
}

func (c *CLI) sessionsCreate() *cobra.Command {
	var file, actor string
	cmd := &cobra.Command{
		Use:     "create --file INTAKE.json",
		Short:   "Create a session from an intake body, as POST /api/v2/facebooksessions does",
		Example: "  fbsessionctl sessions create --file intake.json --public-url https://fbsession.example.com",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			start, err := gws.ParseIntake(body, func() string { return rand.Text()[:16] })
			if err != nil {
				return err
			}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				res, err := commands.NewHandler(b.Store, commands.WithAgents(b.Users)).Start(cmd.Context(), commands.Request{Actor: actor}, start)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.Out, Printable(gws.URI(c.cfg.BaseURL(), res.State.ID)))
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "intake body (JSON)")
	cmd.Flags().StringVar(&actor, "as", "fbsessionctl", "actor recorded in the events' metadata")
	_ = cmd.MarkFlagRequired("file")
	return c.publicURLFlags(c.storeFlags(cmd, false))
}

func (c *CLI) sessionsGet() *cobra.Command {
	return c.publicURLFlags(c.storeFlags(&cobra.Command{
		Use:     "get ID",
		Short:   "Print a session as the API shows it",
		Example: "  fbsessionctl sessions get 0002DaAVKJ0V0095",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				s, err := sessionview.NewReader(b.Store).Get(cmd.Context(), args[0])
				if errors.Is(err, fb.ErrNotFound) {
					return fmt.Errorf("session %s: not found", Printable(args[0]))
				}
				if err != nil {
					return err
				}
				return c.printJSON(gws.ResourceOf(s, c.cfg.BaseURL()))
			})
		},
	}, false))
}
