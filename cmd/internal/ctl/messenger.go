package ctl

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/messenger/fakegraph"
	"github.com/fbsession/fbsession/messenger/graph"
)

func (c *CLI) messengerCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "messenger", Short: "Play the Messenger Platform locally: a fake Graph API, and webhooks as Meta sends them",
		Example: "  fbsessionctl messenger fake-graph --addr 127.0.0.1:8090 --profile 1457374047909438=\"Vitaliy Onv\"\n" +
			"  fbsessionctl messenger simulate --page 830180563704433 --psid 1457374047909438 --text \"Hello\""}
	cmd.AddCommand(c.messengerFakeGraph(), c.messengerSimulate())
	return cmd
}

func (c *CLI) messengerFakeGraph() *cobra.Command {
	var addr, webhook, pageID string
	var profiles []string
	cmd := &cobra.Command{
		Use:   "fake-graph [--addr 127.0.0.1:8090] [--profile PSID=First Last]... [--webhook URL --page PAGE_ID]",
		Short: "Serve a fake Graph API: User Profile, and a Send API that records every call",
		Long: "Serves the User Profile API from --profile (a PSID without one gets Meta's\n" +
			"no-profile error, 2018218) and a Send API that records every call (GET /_fake/sends)\n" +
			"and, with --webhook, posts each message's echo back, signed with\n" +
			"FBSESSION_MESSENGER_APP_SECRET. POST /_fake/fail {\"code\":613,\"count\":2} (or\n" +
			"\"status\":500, \"delay_ms\":30000) fails the next Send API calls; POST /_fake/profiles\n" +
			"{\"id\":\"PSID\",\"first_name\":\"...\",\"last_name\":\"...\"} adds a profile.\n" +
			"Point fbsessiond at it with FBSESSION_GRAPH_URL=http://ADDR/v21.0.",
		Example: "  fbsessionctl messenger fake-graph --addr 127.0.0.1:8090 --profile 1457374047909438=\"Vitaliy Onv\"\n" +
			"  curl -d '{\"code\":613,\"count\":2}' 127.0.0.1:8090/_fake/fail\n" +
			"  curl 127.0.0.1:8090/_fake/sends",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := fakegraph.Config{Profiles: map[string]graph.Profile{}, Webhook: webhook, PageID: pageID,
				AppSecret: []byte(os.Getenv("FBSESSION_MESSENGER_APP_SECRET"))}
			for _, p := range profiles {
				psid, name, ok := strings.Cut(p, "=")
				if !ok || psid == "" {
					return fmt.Errorf("--profile %q: want PSID=First Last", p)
				}
				first, last, _ := strings.Cut(name, " ")
				cfg.Profiles[psid] = graph.Profile{ID: psid, FirstName: first, LastName: last}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(c.Out, "fake Graph API on http://%s (FBSESSION_GRAPH_URL=http://%s/v21.0)\n", addr, addr)
			return fakegraph.Run(ctx, addr, fakegraph.New(cfg))
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8090", "listen address")
	cmd.Flags().StringArrayVar(&profiles, "profile", nil, "a profile to serve, PSID=First Last (repeatable)")
	cmd.Flags().StringVar(&webhook, "webhook", "", "fbsessiond's webhook, to post echoes of sent messages to (e.g. http://127.0.0.1:8080/webhooks/messenger)")
	cmd.Flags().StringVar(&pageID, "page", "", "the Page id echoes come from")
	return cmd
}

func (c *CLI) messengerSimulate() *cobra.Command {
	var page, psid, text, mid, url string
	var unsigned bool
	cmd := &cobra.Command{
		Use:   "simulate --page PAGE_ID --psid PSID --text TEXT [--mid MID] [--url http://127.0.0.1:8080]",
		Short: "Post a customer's message to fbsessiond's webhook, signed as Meta signs it",
		Long: "Posts a messages webhook delivery, as Meta's reference shows it, to URL/webhooks/messenger,\n" +
			"signed (X-Hub-Signature-256) with FBSESSION_MESSENGER_APP_SECRET. Without --mid one is\n" +
			"made up; give the same --mid again to replay a message.",
		Example: "  FBSESSION_MESSENGER_APP_SECRET=... fbsessionctl messenger simulate --page 830180563704433 --psid 1457374047909438 --text \"Hello\"\n" +
			"  fbsessionctl messenger simulate --page 830180563704433 --psid 1457374047909438 --text \"Hello\" --mid m_1  # again: a replay",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret := os.Getenv("FBSESSION_MESSENGER_APP_SECRET")
			if secret == "" && !unsigned {
				return fmt.Errorf("FBSESSION_MESSENGER_APP_SECRET is not set: it signs the delivery (--unsigned posts it without a signature)")
			}
			now := time.Now().UnixMilli()
			if mid == "" {
				mid = "m_sim" + strconv.FormatInt(time.Now().UnixNano(), 36)
			}
			body, err := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{
				"id": page, "time": now, "messaging": []any{map[string]any{
					"sender": map[string]string{"id": psid}, "recipient": map[string]string{"id": page},
					"timestamp": now, "message": map[string]string{"mid": mid, "text": text}}}}}})
			if err != nil {
				return err
			}
			target := strings.TrimRight(url, "/") + "/webhooks/messenger"
			if err := fakegraph.Post(cmd.Context(), target, []byte(secret), body, !unsigned); err != nil {
				return err
			}
			fmt.Fprintf(c.Out, "delivered mid %s from %s to Page %s: 200\n", mid, psid, page)
			return nil
		},
	}
	cmd.Flags().StringVar(&page, "page", "", "the Page id (required)")
	cmd.Flags().StringVar(&psid, "psid", "", "the customer's page-scoped id (required)")
	cmd.Flags().StringVar(&text, "text", "", "what the customer writes (required)")
	cmd.Flags().StringVar(&mid, "mid", "", "the message id; made up when empty")
	cmd.Flags().StringVar(&url, "url", "http://127.0.0.1:8080", "fbsessiond's API address")
	cmd.Flags().BoolVar(&unsigned, "unsigned", false, "post without X-Hub-Signature-256 (fbsessiond answers 403)")
	for _, f := range []string{"page", "psid", "text"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}
