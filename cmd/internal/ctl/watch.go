package ctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

func (c *CLI) watchCommand() *cobra.Command {
	var (
		userID string
		asJSON bool
		count  int
	)
	cmd := &cobra.Command{
		Use:   "watch [--user ID] [--json]",
		Short: "Print notifications as they arrive",
		Long: "Subscribes to <prefix>.users.<user>.facebooksession.> (every user by default)\n" +
			"on the configured NATS, or the in-process server of a local fbsessiond.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token := "*"
			if userID != "" {
				if !fb.ValidID(userID) {
					return fmt.Errorf("--user must be 1-%d characters of [A-Za-z0-9_-]", fb.MaxIDLength)
				}
				token = userID
			}
			url := c.cfg.NATSClientURL()
			// Read-only on the in-process server: the subscriber's user.
			nc, err := natsconn.Dial(c.cfg.NATS(), natsconn.Subscriber, url, nats.Name("fbsessionctl watch"),
				nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))
			if err != nil {
				return err
			}
			defer nc.Close()
			subject := c.cfg.SubjectPrefix + ".users." + token + ".facebooksession.>"
			msgs := make(chan *nats.Msg, 1024)
			sub, err := nc.ChanSubscribe(subject, msgs)
			if err != nil {
				return err
			}
			defer sub.Unsubscribe() //nolint:errcheck
			// A refused subscription is only reported asynchronously;
			// Flush makes it arrive before we say we are watching.
			if err := nc.Flush(); err != nil {
				return natsconn.RedactError(err, url)
			}
			if err := nc.LastError(); err != nil {
				return natsconn.RedactError(fmt.Errorf("subscribe to %s: %w", subject, err), url)
			}
			fmt.Fprintf(c.Err, "watching %s on %s\n", subject, natsconn.Redact(url))
			for n := 0; count == 0 || n < count; n++ {
				select {
				case <-cmd.Context().Done():
					return nil
				case m := <-msgs:
					if err := c.printNotification(m, asJSON); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&userID, "user", "", "only this user's notifications")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON document per line")
	cmd.Flags().IntVar(&count, "count", 0, "stop after this many notifications (0: never)")
	return cmd
}

func (c *CLI) printNotification(m *nats.Msg, asJSON bool) error {
	if asJSON {
		var compact bytes.Buffer
		if err := json.Compact(&compact, m.Data); err != nil {
			return fmt.Errorf("notification on %s is not JSON: %w", Printable(m.Subject), err)
		}
		_, err := fmt.Fprintln(c.Out, string(printableJSON(compact.Bytes())))
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, m.Data, "", "  "); err != nil {
		return fmt.Errorf("notification on %s is not JSON: %w", Printable(m.Subject), err)
	}
	_, err := fmt.Fprintf(c.Out, "# %s\n%s\n", Printable(m.Subject), printableJSON(pretty.Bytes()))
	return err
}
