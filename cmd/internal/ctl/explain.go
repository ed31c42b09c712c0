package ctl

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/cmd/internal/backend"
)

func (c *CLI) explainCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "explain SESSION_ID [--json]",
		Short: "Why each agent offered a session by routing got it, and why not the others",
		Long: "For each offer the router made of the session, in order: what queued it and\n" +
			"when, when the router decided, the queue, the rule, how long the session had\n" +
			"waited, the chosen agent with their load, capacity and idle time, each other\n" +
			"member weighed and why they were passed over, how many members were not\n" +
			"listed, and what became of the offer (accepted, rejected, timed out, withdrawn\n" +
			"or still running). An offer the integration API's Route made is told as such.\n" +
			"Last, where the session is now. Read from the session's events alone; text\n" +
			"from the log is shown escaped (docs/AUDIT.md).",
		Example: "  fbsessionctl explain 0002DaAVKJ0V0095\n  fbsessionctl explain 0002DaAVKJ0V0095 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				x, err := audit.Explain(cmd.Context(), b.Store, args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return c.printJSON(x)
				}
				return printExplanation(c.Out, x)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (field names in docs/AUDIT.md)")
	return c.storeFlags(cmd, false)
}

// printExplanation writes x for a terminal, every text from the log
// through Printable.
func printExplanation(out io.Writer, x *audit.Explanation) error {
	p := func(format string, args ...any) { fmt.Fprintf(out, format, args...) }
	switch n := len(x.Routings); {
	case n > 0:
		p("session %s: routed %d time(s)\n", Printable(x.SessionID), n)
	case x.Now.EverQueued:
		p("session %s: no routing decision yet\n", Printable(x.SessionID))
	default:
		p("session %s: never queued, no routing decision\n", Printable(x.SessionID))
	}
	for i, r := range x.Routings {
		p("\nrouting %d: offered to %s at %s (version %d, position %d)", i+1, Printable(r.AgentID), stamp(r.RecordedAt), r.Version, r.Position)
		if r.ByRouter {
			p(" by the router\n")
		} else {
			p(" by the integration API's Route (actor %s): no routing decision recorded\n", Printable(r.Actor))
		}
		if q := r.Queued; q != nil {
			where := "in no named queue"
			if q.Queue != "" {
				where = "in queue " + Printable(q.Queue)
			}
			p("  queued:   %s %s by %s (version %d): %s\n", stamp(q.Time), where, Printable(q.Type), q.Version, Printable(q.Summary))
		}
		if d := r.Decision; d != nil {
			printDecision(out, d)
		}
		p("  outcome:  %s\n", outcome(r))
	}
	p("\nnow: %s\n", now(x.Now))
	return nil
}

func printDecision(out io.Writer, d *audit.Decision) {
	p := func(format string, args ...any) { fmt.Fprintf(out, format, args...) }
	p("  decided:  %s, queue %s, rule %s, after waiting %s (in queue since %s); offer timeout %ds\n",
		stamp(d.DecidedAt), Printable(d.Queue), Printable(d.Rule), seconds(d.WaitedSeconds), stamp(d.WaitingSince), d.OfferTimeoutSeconds)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if c := d.Chosen; c != nil {
		fmt.Fprintf(w, "  chosen:\t%s\t%s\tload %d/%d\t%s\n", Printable(c.AgentID), Printable(c.Status), c.Load, c.Capacity, idle(c))
	} else {
		fmt.Fprintf(w, "  chosen:\tnone marked among the candidates\t\t\t\n")
	}
	for i, c := range d.Others {
		label := ""
		if i == 0 {
			label = "  not chosen:"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\tload %d/%d\t%s\t%s\n", label, Printable(c.AgentID), Printable(c.Status), c.Load, c.Capacity, idle(&c), Printable(c.WhyNot))
	}
	_ = w.Flush()
	if d.Unlisted > 0 {
		p("  %d more members not listed (%d members in all)\n", d.Unlisted, d.Members)
	}
}

func outcome(r audit.Routing) string {
	o := r.Outcome
	if o.Step == nil {
		return fmt.Sprintf("running: %s has not answered yet", Printable(r.AgentID))
	}
	at := fmt.Sprintf("(%s at %s, version %d)", Printable(o.Step.Type), stamp(o.Step.Time), o.Step.Version)
	after := seconds(o.AfterSeconds)
	switch o.Kind {
	case audit.OutcomeAccepted:
		return fmt.Sprintf("accepted by %s after %s %s", Printable(o.AgentID), after, at)
	case audit.OutcomeRejected:
		return fmt.Sprintf("rejected by %s after %s %s", Printable(o.AgentID), after, at)
	case audit.OutcomeTimedOut:
		return fmt.Sprintf("timed out after %ds: %s did not answer %s", o.TimeoutSeconds, Printable(o.AgentID), at)
	case audit.OutcomeWithdrawn:
		return fmt.Sprintf("withdrawn from %s after %s %s", Printable(o.AgentID), after, at)
	}
	return Printable(o.Kind) + " " + at
}

func now(n audit.Now) string {
	switch n.State {
	case audit.NowWaiting:
		where := "waiting for routing in no named queue"
		if n.Queue != "" {
			where = "waiting in queue " + Printable(n.Queue)
		}
		if n.WaitingSince != nil && !n.WaitingSince.Equal(n.Since) {
			return fmt.Sprintf("%s since %s, its place kept; back since %s by %s (version %d)",
				where, stamp(*n.WaitingSince), stamp(n.Since), Printable(n.Step.Type), n.Step.Version)
		}
		return fmt.Sprintf("%s since %s, by %s (version %d)", where, stamp(n.Since), Printable(n.Step.Type), n.Step.Version)
	case audit.NowOffered:
		return fmt.Sprintf("offered to %s since %s, not answered yet", Printable(n.AgentID), stamp(n.Since))
	case audit.NowChatting:
		return fmt.Sprintf("chatting with %s since %s", Printable(n.AgentID), stamp(n.Since))
	}
	return fmt.Sprintf("closed since %s by %s (version %d)", stamp(n.Since), Printable(n.Step.Type), n.Step.Version)
}

// idle is a candidate's idle time at the decision.
func idle(c *audit.Candidate) string {
	if c.IdleSeconds == nil {
		return "idle -"
	}
	return "idle " + seconds(*c.IdleSeconds)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func seconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Second).String()
}
