package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/projections/notifier"
)

// notification is what watch prints, live or replayed from the stream.
type notification struct {
	subject string
	data    []byte
	// events is the change's event types (the Fbsession-Events header):
	// a StatusChange Completed is a Reject, a Leave, a Transfer or a
	// Complete.
	events string
	// agent is the agent it concerns (Fbsession-Agent): on the
	// integration subject, whose copy it is.
	agent string
}

type watchFlags struct {
	userID, sessionID string
	// integration watches the integration subject instead of the users'.
	integration bool
	// channels watches the agents' channel states instead of their
	// sessions'.
	channels bool
	asJSON   bool
	// brief prints the summary of each notification without its JSON.
	brief bool
	count int
	since time.Duration
	all   bool
}

func (c *CLI) watchCommand() *cobra.Command {
	var f watchFlags
	// The subjects as the help names them.
	help := gws.NewSubjects("<prefix>")
	cmd := &cobra.Command{
		Use:   "watch [--user ID | --integration] [--session ID | --channels] [--since DURATION | --all] [--json | --brief]",
		Short: "Print notifications as they arrive, and those the stream kept",
		Long: "Subscribes to " + help.User("<user>", "<session>") + " (every user and\n" +
			"session by default), or with --integration to the integration side's\n" +
			help.Integration("<session>") + ", or with --channels to the agents' channel\n" +
			"states " + help.Channels("<user>") + ", on the configured NATS, or the\n" +
			"in-process server of a local fbsessiond. With --since or --all, first prints what\n" +
			"the JetStream stream kept (since then, or all of it), in the order it was\n" +
			"stored, then goes on live.\n\n" +
			"Each notification prints as its subject, a summary (StatusChange,\n" +
			"ParticipantsUpdated, PropertiesUpdated: referenceId, session, state and\n" +
			"participants; NewMessages: each message's index, author and text, and typing\n" +
			"indicators), then its JSON; --brief prints the summary alone, --json the JSON\n" +
			"alone, one document a line. Text clients wrote is shown escaped.",
		Example: "  fbsessionctl watch\n" +
			"  fbsessionctl watch --user a1 --json\n" +
			"  fbsessionctl watch --channels --user a1\n" +
			"  fbsessionctl watch --integration --session 0002DaAVKJ0V0095 --brief\n" +
			"  fbsessionctl watch --since 1h --session 0002DaAVKJ0V0095\n" +
			"  fbsessionctl watch --all --json --count 100 --nats-url nats://nats:4222",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			subject, err := c.watchSubject(f)
			if err != nil {
				return err
			}
			if f.since < 0 {
				return errors.New("--since must be positive: how long ago to start")
			}
			// "Since 2s" counts from when the command started, not from
			// when the connection is up: a slow connect loses nothing.
			start := time.Now().Add(-f.since)
			msgs := make(chan notification, 1024)
			var stop func()
			listenGiven := cmd.Flags().Changed("nats-listen")
			if f.since == 0 && !f.all {
				stop, err = c.subscribe(cmd.Context(), subject, listenGiven, msgs)
			} else {
				stop, err = c.consumeStream(cmd.Context(), subject, f, start, listenGiven, msgs)
			}
			if err != nil {
				return err
			}
			defer stop()
			for n := 0; f.count == 0 || n < f.count; n++ {
				select {
				case <-cmd.Context().Done():
					return nil
				case m := <-msgs:
					if err := c.printNotification(m, f); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.userID, "user", "", "only this user's notifications")
	cmd.Flags().StringVar(&f.sessionID, "session", "", "only this session's notifications")
	cmd.Flags().BoolVar(&f.integration, "integration", false, "the integration side's notifications (every session's, with typing indicators) instead of the users'")
	cmd.Flags().BoolVar(&f.channels, "channels", false, "the agents' channel states (Ready, NotReady) instead of their sessions'")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "one JSON document per line")
	cmd.Flags().BoolVar(&f.brief, "brief", false, "a summary of each notification, without its JSON")
	cmd.Flags().IntVar(&f.count, "count", 0, "stop after this many notifications (0: never)")
	cmd.Flags().DurationVar(&f.since, "since", 0, "first print what the stream kept since this long ago (e.g. 90m, 24h)")
	cmd.Flags().BoolVar(&f.all, "all", false, "first print everything the stream kept")
	cmd.MarkFlagsMutuallyExclusive("since", "all")
	cmd.MarkFlagsMutuallyExclusive("user", "integration")
	cmd.MarkFlagsMutuallyExclusive("channels", "integration")
	cmd.MarkFlagsMutuallyExclusive("channels", "session")
	cmd.MarkFlagsMutuallyExclusive("json", "brief")
	c.cfg.RegisterStream(cmd.Flags())
	return c.natsFlags(cmd)
}

// watchSubject is the subject, or filter, of the notifications watched.
func (c *CLI) watchSubject(f watchFlags) (string, error) {
	user, session := "*", ">"
	for _, id := range []struct {
		flag, value string
		token       *string
	}{{"--user", f.userID, &user}, {"--session", f.sessionID, &session}} {
		if id.value == "" {
			continue
		}
		if !fb.ValidID(id.value) {
			return "", fmt.Errorf("%s must be 1-%d characters of [A-Za-z0-9_-]", id.flag, fb.MaxIDLength)
		}
		*id.token = id.value
	}
	if f.integration {
		if f.userID != "" {
			return "", errors.New("--integration and --user go to different subjects: give one")
		}
		return gws.NewSubjects(c.cfg.SubjectPrefix).Integration(session), nil
	}
	if f.channels {
		return gws.NewSubjects(c.cfg.SubjectPrefix).Channels(user), nil
	}
	return gws.NewSubjects(c.cfg.SubjectPrefix).User(user, session), nil
}

// subscribe sends the notifications published from now on to msgs.
func (c *CLI) subscribe(ctx context.Context, subject string, listenGiven bool, msgs chan<- notification) (stop func(), err error) {
	// Read-only on the in-process server: the subscriber's user.
	nc, url, err := c.dialWatched(ctx, natsconn.Subscriber, listenGiven)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	sub, err := nc.Subscribe(subject, func(m *nats.Msg) {
		select {
		case msgs <- notification{m.Subject, m.Data, m.Header.Get(notifier.HeaderEvents), m.Header.Get(notifier.HeaderAgent)}:
		case <-done:
		}
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	// A refused subscription is only reported asynchronously; Flush makes
	// it arrive before we say we are watching.
	if err := nc.Flush(); err != nil {
		nc.Close()
		return nil, natsconn.RedactError(err, url)
	}
	if err := nc.LastError(); err != nil {
		nc.Close()
		return nil, natsconn.RedactError(fmt.Errorf("subscribe to %s: %w", subject, err), url)
	}
	fmt.Fprintf(c.Err, "watching %s on %s\n", subject, natsconn.Redact(url))
	return func() { close(done); _ = sub.Unsubscribe(); nc.Close() }, nil
}

// consumeStream sends to msgs the notifications the stream kept since
// start (with f.since; all of them with f.all), in order, then those
// stored from now on, through an ordered consumer: ephemeral, in memory,
// unacknowledged, and recreated by the client where it left off if the
// server loses it.
//
// It publishes nothing: the connection serves only the consumer, whose
// requests go to the JetStream API ($JS.API.CONSUMER.*), never under the
// subject prefix, and it has no acks to send. That matters because on the
// in-process server it connects as the publisher (below), whom the server
// would let publish notifications; the TestWatchReplaysTheStream tests
// hold it to this.
func (c *CLI) consumeStream(ctx context.Context, subject string, f watchFlags, start time.Time, listenGiven bool, msgs chan<- notification) (stop func(), err error) {
	// On the in-process server the subscriber's user has no JetStream API
	// (it can only receive live notifications); the publisher's, whose
	// password is in the same file, can create the consumer (docs/NATS.md).
	nc, url, err := c.dialWatched(ctx, natsconn.Publisher, listenGiven)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverAllPolicy}
	from := "its start"
	if f.since > 0 {
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &start
		from = start.UTC().Format(time.RFC3339)
	}
	cons, err := js.OrderedConsumer(ctx, c.cfg.Stream, cfg)
	if err != nil {
		nc.Close()
		return nil, natsconn.RedactError(fmt.Errorf("stream %s: %w", c.cfg.Stream, err), url)
	}
	done := make(chan struct{})
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case msgs <- notification{m.Subject(), m.Data(), m.Headers().Get(notifier.HeaderEvents), m.Headers().Get(notifier.HeaderAgent)}:
		case <-done:
		}
	})
	if err != nil {
		nc.Close()
		return nil, natsconn.RedactError(fmt.Errorf("stream %s: %w", c.cfg.Stream, err), url)
	}
	fmt.Fprintf(c.Err, "watching %s on %s, replaying stream %s from %s\n", subject, natsconn.Redact(url), c.cfg.Stream, from)
	return func() { close(done); cc.Stop(); nc.Close() }, nil
}

// printNotification prints one notification: as one compact JSON line
// (--json); as its subject, a summary and its indented JSON; or (--brief)
// as who it is for and the summary, or the JSON when watch knows no
// summary of it.
func (c *CLI) printNotification(m notification, f watchFlags) error {
	if f.asJSON {
		var compact bytes.Buffer
		if err := json.Compact(&compact, m.data); err != nil {
			return fmt.Errorf("notification on %s is not JSON: %w", Printable(m.subject), err)
		}
		_, err := fmt.Fprintln(c.Out, string(printableJSON(compact.Bytes())))
		return err
	}
	summary := summarise(m.subject, m.events, m.data)
	if f.brief && summary != nil {
		summary[0] = "[" + Printable(recipient(c.cfg.SubjectPrefix, m.subject, m.agent)) + "] " + summary[0]
		_, err := fmt.Fprintln(c.Out, strings.Join(summary, "\n"))
		return err
	}
	if f.brief {
		var compact bytes.Buffer
		if err := json.Compact(&compact, m.data); err != nil {
			return fmt.Errorf("notification on %s is not JSON: %w", Printable(m.subject), err)
		}
		_, err := fmt.Fprintf(c.Out, "[%s] %s\n", Printable(m.subject), printableJSON(compact.Bytes()))
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, m.data, "", "  "); err != nil {
		return fmt.Errorf("notification on %s is not JSON: %w", Printable(m.subject), err)
	}
	var head strings.Builder
	head.WriteString("# " + Printable(m.subject) + "\n")
	for _, line := range summary {
		head.WriteString("# " + line + "\n")
	}
	_, err := fmt.Fprintf(c.Out, "%s%s\n", head.String(), printableJSON(pretty.Bytes()))
	return err
}

// recipient is whom a notification's subject addresses: "user a1", or
// "integration" with the agent whose copy it is ("integration a1").
func recipient(prefix, subject, agent string) string {
	kind, user, _, ok := gws.NewSubjects(prefix).Parse(subject)
	switch {
	case !ok:
		return subject
	case kind == gws.KindUsers:
		return "user " + user
	case agent != "":
		return "integration " + agent
	}
	return "integration"
}
