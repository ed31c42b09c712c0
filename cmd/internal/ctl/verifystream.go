package ctl

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	"github.com/fbsession/fbsession/projections/notifier"
)

// verifyAgainstStream lists the changes the notification stream holds
// and the log does not: notified, then lost in a failover (docs/HA.md).
// since, when positive, reads only the messages stored that long ago or
// later.
func (c *CLI) verifyAgainstStream(ctx context.Context, b *backend.Backend, since time.Duration, asJSON bool) error {
	url := c.cfg.NATSClientURL()
	nc, err := natsconn.Dial(c.cfg.NATS(), natsconn.Publisher, url, nats.Name("fbsessionctl verify"))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	p := notifier.FindLostParams{Stream: c.cfg.Stream}
	if since > 0 {
		p.Since = time.Now().Add(-since)
	}
	report, err := notifier.FindLost(ctx, js, b.Store, p)
	if err != nil {
		return natsconn.RedactError(err, url)
	}
	if asJSON {
		if err := c.printJSON(report); err != nil {
			return err
		}
	} else if err := c.printLost(report); err != nil {
		return err
	}
	if len(report.Lost) > 0 {
		return fmt.Errorf("%w: the stream %s holds %d change(s) the log does not, %d not yet corrected", ErrVerifyFailed,
			Printable(report.Stream), len(report.Lost), len(report.Uncorrected()))
	}
	return nil
}

func (c *CLI) printLost(r *notifier.LostReport) error {
	fmt.Fprintf(c.Out, "stream %s: %d messages read (sequences %d-%d), %d naming no change (published before fbsession named them)\n",
		Printable(r.Stream), r.Messages, r.FirstSeq, r.LastSeq, r.Unchecked)
	if len(r.Lost) == 0 {
		fmt.Fprintln(c.Out, "OK: the log holds every change the stream notified")
		return nil
	}
	w := tabwriter.NewWriter(c.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STREAM\tVERSION\tCHANGE\tPOSITION\tLOG\tSTORED (UTC)\tSEQ\tCORRECTED\tMSG IDS")
	for _, l := range r.Lost {
		fmt.Fprintf(w, "%s\t%d\t%s\t%d\t%s\t%s\t%d\t%t\t%s\n", Printable(l.StreamID), l.Version, Printable(l.Change), l.Position, l.Reason,
			l.Stored.UTC().Format("2006-01-02 15:04:05.000"), l.Seq, l.Corrected, Printable(strings.Join(l.MsgIDs, ",")))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.Out, "FAILED: %d change(s) notified are not in the log (absent: no event at that version; differs: another change there); %d corrected by a resync\n",
		len(r.Lost), len(r.Lost)-len(r.Uncorrected()))
	return nil
}
