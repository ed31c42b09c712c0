package ctl

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/projections/notifier"
)

// ErrVerifyFailed makes fbsessionctl exit non-zero after a report.
var ErrVerifyFailed = errors.New("verification failed")

func (c *CLI) historyCommand() *cobra.Command {
	var (
		asJSON bool
		user   bool
		agent  bool
		queue  bool
	)
	cmd := &cobra.Command{
		Use:   "history SESSION_ID | --user USER_ID | --agent USER_ID | --queue NAME [--json]",
		Short: "Every event of a session, a user, an agent's channels or a queue: when, what, who, and whether its hash verifies",
		Long: "One line per event: position, version, time, type, acting user, referenceId,\n" +
			"queue, hash check, and what the event did (who joined or left, message index,\n" +
			"author and text cut to 60 characters, transfer source and target, user data\n" +
			"keys). Text clients wrote is shown escaped (docs/AUDIT.md). With --user, the\n" +
			"changes to a user of the directory: added, roles, features, status, password.\n" +
			"With --agent, the changes to an agent's channels: contact center session\n" +
			"started and ended, Ready, NotReady and its reason, by the agent or a supervisor.\n" +
			"With --queue, the changes to a queue (by name, across removals): added,\n" +
			"settings, members, removed.",
		Example: "  fbsessionctl history 0002DaAVKJ0V0095\n  fbsessionctl history 0002DaAVKJ0V0095 --json\n  fbsessionctl history --user a1\n  fbsessionctl history --agent a1\n  fbsessionctl history --queue Sales",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			history := audit.History
			switch {
			case user && agent, user && queue, agent && queue:
				return errors.New("give one of --user, --agent and --queue, not both")
			case queue:
				history = audit.QueueHistory
			case user:
				history = audit.UserHistory
			case agent:
				history = audit.AgentHistory
			}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				entries, err := history(cmd.Context(), b.Store, args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return c.printJSON(entries)
				}
				w := tabwriter.NewWriter(c.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "POSITION\tVERSION\tTIME (UTC)\tTYPE\tACTOR\tREFERENCE\tQUEUE\tHASH\tWHAT")
				for _, e := range entries {
					check := "ok " + e.Hash[:12]
					if !e.Verified {
						check = "BROKEN: " + e.Problem
					}
					ref := ""
					if e.ReferenceID != 0 {
						ref = fmt.Sprint(e.ReferenceID)
					}
					fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Position, e.Version,
						e.Time.Format("2006-01-02 15:04:05.000000"), Printable(e.Type), Printable(e.Actor), ref, Printable(e.Queue), Printable(check), Printable(e.Summary))
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&user, "user", false, "the argument is a user id: show the changes to that user")
	cmd.Flags().BoolVar(&agent, "agent", false, "the argument is a user id: show the changes to that agent's channels")
	cmd.Flags().BoolVar(&queue, "queue", false, "the argument is a queue name: show the changes to that queue")
	return c.storeFlags(cmd, false)
}

func (c *CLI) stateCommand() *cobra.Command {
	var (
		at       string
		version  int64
		messages bool
	)
	cmd := &cobra.Command{
		Use:   "state SESSION_ID [--at RFC3339 | --version N] [--messages]",
		Short: "A session as the API showed it at a time or a version, folded from the log",
		Long: "Prints the resource as GET /api/v2/facebooksessions/{id} answered then, or with\n" +
			"--messages the transcript as GET .../messages did. A line on stderr tells the\n" +
			"version folded, its time, the state, the agent, the participants, the number\n" +
			"of messages, and whether the Facebook session was ended or queued.",
		Example: "  fbsessionctl state 0002DaAVKJ0V0095 --at 2026-11-24T10:15:00Z\n" +
			"  fbsessionctl state 0002DaAVKJ0V0095 --version 3\n" +
			"  fbsessionctl state 0002DaAVKJ0V0095 --version 9 --messages",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var when time.Time
			if at != "" {
				var err error
				if when, err = time.Parse(time.RFC3339Nano, at); err != nil {
					return fmt.Errorf("--at: %w", err)
				}
			}
			if at != "" && version > 0 {
				return errors.New("give --at or --version, not both")
			}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				snap, err := audit.SnapshotAt(cmd.Context(), b.Store, args[0], when, version)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.Err, snapshotLine(snap))
				if messages {
					out := make([]gws.Message, len(snap.Messages))
					for i, m := range snap.Messages {
						out[i] = gws.MessageOf(m)
					}
					return c.printJSON(struct {
						Messages []gws.Message `json:"messages"`
					}{out})
				}
				return c.printJSON(gws.ResourceOf(snap.State, c.cfg.BaseURL()))
			})
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "a time (RFC 3339)")
	cmd.Flags().Int64Var(&version, "version", 0, "a stream version")
	cmd.Flags().BoolVar(&messages, "messages", false, "print the transcript up to then instead of the resource")
	return c.publicURLFlags(c.storeFlags(cmd, false))
}

// snapshotLine tells in one line what state prints the details of:
// "version 9 of 2026-11-24T09:08:00Z: Chatting, agent a2, 2 participants
// ("VitaliyOnv" Customer, "Bob" Agent), 3 messages".
func snapshotLine(snap audit.Snapshot) string {
	s := snap.State
	agent := s.AgentID
	if agent == "" {
		agent = "none (waits for routing)"
	}
	names := make([]string, len(s.Participants))
	for i, p := range s.Participants {
		names[i] = fmt.Sprintf(`"%s" %s`, p.Nickname, p.Type)
	}
	line := fmt.Sprintf("version %d of %s: %s, agent %s, %d participants (%s), %d messages",
		snap.Version, snap.At.UTC().Format(time.RFC3339Nano), s.Status, agent, len(s.Participants), strings.Join(names, ", "), s.Messages)
	if s.Ended {
		line += ", Facebook session ended"
	}
	if s.Queue != "" {
		line += ", queue " + s.Queue
	}
	return Printable(line)
}

func (c *CLI) verifyCommand() *cobra.Command {
	var (
		session   string
		heads     bool
		asJSON    bool
		since     string
		publicKey string
		cpFlags   checkpointFlags
		// againstStream compares the notification stream with the log.
		againstStream bool
		streamSince   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "verify [--session ID] [--heads] [--json] | --against-stream [--stream-since DURATION] [--json]",
		Short: "Recompute every hash chain and check the read model against the log",
		Long: "Exits non-zero, naming the first bad position and why, when a chain or the read\n" +
			"model does not verify. Someone who can write to the database can also recompute\n" +
			"the chains: --since-checkpoint proves, against a checkpoint signed with a key kept\n" +
			"out of the database (fbsessionctl checkpoint), that no stream it lists was\n" +
			"rewritten, truncated or deleted since, and that no event was slipped in at or\n" +
			"below its position.\n\n" +
			"--against-stream instead reads the JetStream stream of the notifications and\n" +
			"lists each change it notified that the log does not hold (no event at its\n" +
			"stream and version, or another one): notified, then lost in a failover of an\n" +
			"asynchronously replicated database (docs/HA.md). It exits non-zero when there\n" +
			"is any, corrected or not.",
		Example: "  fbsessionctl verify\n  fbsessionctl verify --session 0002DaAVKJ0V0095 --json\n" +
			"  fbsessionctl verify --since-checkpoint latest --public-key checkpoint.key.pub\n" +
			"  fbsessionctl verify --against-stream --stream-since 24h --nats-url nats://nats:4222",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (since == "") != (publicKey == "") {
				return errors.New("--since-checkpoint and --public-key go together")
			}
			if since != "" && session != "" {
				return errors.New("a checkpoint is verified against the whole log: drop --session")
			}
			if againstStream && (since != "" || session != "" || heads) {
				return errors.New("--against-stream checks the notification stream alone: drop --session, --heads and --since-checkpoint")
			}
			if streamSince < 0 || (streamSince > 0 && !againstStream) {
				return errors.New("--stream-since goes with --against-stream, and is how long ago to start (e.g. 24h)")
			}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				if againstStream {
					return c.verifyAgainstStream(cmd.Context(), b, streamSince, asJSON)
				}
				p := audit.VerifyParams{SessionID: session, KeepHeads: heads}
				var (
					report *audit.Report
					err    error
				)
				if since != "" {
					pub, err := audit.LoadPublicKey(publicKey)
					if err != nil {
						return err
					}
					cp, err := c.loadCheckpoint(cmd.Context(), cpFlags, since)
					if err != nil {
						return err
					}
					update, done := c.progress(cmd.Context(), b.Store, "verifying")
					p.Progress = update
					report, err = audit.VerifySince(cmd.Context(), b.Store, cp, pub, p)
					done()
					if err != nil {
						return err
					}
				} else {
					update, done := c.progress(cmd.Context(), b.Store, "verifying")
					p.Progress = update
					report, err = audit.Verify(cmd.Context(), b.Store, p)
					done()
				}
				if err != nil {
					return err
				}
				if asJSON {
					if err := c.printJSON(report); err != nil {
						return err
					}
				} else {
					c.printReport(report)
				}
				if !report.OK() {
					return fmt.Errorf("%w: first bad position %d (%s v%d): %s", ErrVerifyFailed,
						report.Problems[0].Position, Printable(report.Problems[0].StreamID), report.Problems[0].Version, Printable(report.Problems[0].Reason))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&session, "session", "", "verify one session only")
	cmd.Flags().BoolVar(&heads, "heads", false, "print every stream's head hash")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&since, "since-checkpoint", "", "also prove the log extends this signed checkpoint: a file, or latest (from JetStream)")
	cmd.Flags().StringVar(&publicKey, "public-key", "", "public key (PEM) the checkpoint must be signed with")
	cmd.Flags().BoolVar(&againstStream, "against-stream", false, "list the changes the notification stream holds that the log does not (lost in a failover)")
	cmd.Flags().DurationVar(&streamSince, "stream-since", 0, "with --against-stream, read only the messages stored since this long ago (default: all the stream keeps)")
	cpFlags.register(cmd, false)
	// NATS: --since-checkpoint latest reads the checkpoint stream,
	// --against-stream the notifications'.
	c.cfg.RegisterCheckpointStream(cmd.Flags())
	c.cfg.RegisterStream(cmd.Flags())
	return c.natsFlags(c.storeFlags(cmd, false))
}

func (c *CLI) printReport(r *audit.Report) {
	fmt.Fprintf(c.Out, "streams %d, events %d, read model rows %d, referenceIds %d\n", r.Streams, r.Events, r.Views, r.ReferenceIDs)
	for _, h := range r.Heads {
		fmt.Fprintf(c.Out, "head %s v%d %s\n", Printable(h.StreamID), h.Version, h.Hash)
	}
	fmt.Fprintf(c.Out, "heads digest %s\n", r.Digest)
	if r.Checkpoint != nil {
		fmt.Fprintf(c.Out, "checkpoint %s of %s: position %d, %d streams\n", r.Checkpoint.ID,
			r.Checkpoint.Created.Format(time.RFC3339), r.Checkpoint.Position, r.Checkpoint.Streams)
	}
	if r.OK() {
		fmt.Fprintln(c.Out, "OK: every hash chain verifies and the read model matches the log")
		switch {
		case r.Checkpoint == nil:
		case r.Checkpoint.Format == audit.CheckpointFormat:
			fmt.Fprintln(c.Out, "OK: the log extends the signed checkpoint: every stream it lists still has its signed head,\n"+
				"    and the events at or below its position are exactly those it signed")
		default:
			fmt.Fprintf(c.Out, "OK: the log extends the signed checkpoint: every stream it lists still has its signed head\n"+
				"    (%s: an older checkpoint, which does not vouch for the set of events below its position)\n", Printable(r.Checkpoint.Format))
		}
		return
	}
	fmt.Fprintf(c.Out, "FAILED: %d problem(s)\n", r.ProblemCount)
	for _, p := range r.Problems {
		fmt.Fprintf(c.Out, "  position %d  %s v%d: %s\n", p.Position, Printable(p.StreamID), p.Version, Printable(p.Reason))
	}
}

func (c *CLI) rebuildCommand() *cobra.Command {
	return c.storeFlags(&cobra.Command{
		Use:     "rebuild",
		Short:   "Rebuild the read model from the log into a fresh table, then swap it in",
		Example: "  fbsessionctl rebuild --database-url postgres://owner@db/fbsession",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				update, done := c.progress(cmd.Context(), b.Store, "rebuilding")
				start := time.Now()
				r, err := audit.Rebuild(cmd.Context(), b.Store, update)
				done()
				if err != nil {
					return err
				}
				elapsed := time.Since(start)
				fmt.Fprintf(c.Out, "rebuilt %d sessions from %d events in %s (%.0f events/s); %d refolded at the swap\n",
					r.Streams, r.Events, elapsed.Round(time.Millisecond), float64(r.Events)/elapsed.Seconds(), r.Refolded)
				return nil
			})
		},
	}, false)
}

func (c *CLI) replayCommand() *cobra.Command {
	var (
		from, to int64
		prefix   string
	)
	cmd := &cobra.Command{
		Use:     "replay --from POS [--to POS] --prefix audit.replay",
		Short:   "Re-publish the notifications of a range of positions under another subject prefix",
		Example: "  fbsessionctl replay --from 1200 --to 1300 --prefix audit.replay --nats-url nats://nats:4222",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if prefix == c.cfg.SubjectPrefix {
				return fmt.Errorf("--prefix must differ from the live prefix %q", prefix)
			}
			if strings.ContainsAny(prefix, "*> \t") || prefix == "" {
				return errors.New("--prefix must be a literal subject prefix")
			}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				nc, err := natsconn.Dial(c.cfg.NATS(), natsconn.Publisher, c.cfg.NATSClientURL(), nats.Name("fbsessionctl replay"))
				if err != nil {
					return err
				}
				defer nc.Close()
				n, err := notifier.New(notifier.Config{
					JetStream: nil, Store: b.Store, Prefix: prefix, BaseURL: c.cfg.BaseURL(), SkipStream: true,
				})
				if err != nil {
					return err
				}
				update, done := c.progress(cmd.Context(), b.Store, "replaying")
				published, err := audit.Replay(cmd.Context(), b.Store, audit.ReplayParams{From: from, To: to, Notifier: n, Conn: nc, Progress: update})
				done()
				if err != nil {
					return err
				}
				fmt.Fprintf(c.Out, "published %d notifications under %s\n", published, prefix)
				return nil
			})
		},
	}
	cmd.Flags().Int64Var(&from, "from", 1, "first position")
	cmd.Flags().Int64Var(&to, "to", 0, "last position (0: the end)")
	cmd.Flags().StringVar(&prefix, "prefix", "audit.replay", "subject prefix of the replayed notifications")
	return c.publicURLFlags(c.natsFlags(c.storeFlags(cmd, false)))
}

func (c *CLI) exportCommand() *cobra.Command {
	var (
		p            audit.ExportParams
		since, until string
		output       string
	)
	cmd := &cobra.Command{
		Use:   "export [--from POS] [--to POS] [--since TIME] [--until TIME] [-o FILE]",
		Short: "Write events as JSON lines with their hashes (docs/AUDIT.md tells how to verify them)",
		Example: "  fbsessionctl export --since 2026-11-24T00:00:00Z --until 2026-11-25T00:00:00Z -o events.jsonl\n" +
			"  fbsessionctl export --from 1200 --to 1300",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if since != "" {
				if p.Since, err = time.Parse(time.RFC3339Nano, since); err != nil {
					return fmt.Errorf("--since: %w", err)
				}
			}
			if until != "" {
				if p.Until, err = time.Parse(time.RFC3339Nano, until); err != nil {
					return fmt.Errorf("--until: %w", err)
				}
			}
			out := c.Out
			if output != "" && output != "-" {
				f, err := os.Create(output)
				if err != nil {
					return err
				}
				defer f.Close()
				out = f
			}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				update, done := c.progress(cmd.Context(), b.Store, "exporting")
				p.Progress = update
				n, err := audit.Export(cmd.Context(), b.Store, out, p)
				done()
				if err != nil {
					return err
				}
				fmt.Fprintf(c.Err, "exported %d events\n", n)
				return nil
			})
		},
	}
	cmd.Flags().Int64Var(&p.From, "from", 1, "first position")
	cmd.Flags().Int64Var(&p.To, "to", 0, "last position (0: the end)")
	cmd.Flags().StringVar(&since, "since", "", "first recording time (RFC 3339)")
	cmd.Flags().StringVar(&until, "until", "", "last recording time (RFC 3339)")
	cmd.Flags().StringVarP(&output, "output", "o", "-", "file to write (default stdout)")
	return c.storeFlags(cmd, false)
}
