package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints results as a table.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "daemons\tclients\tcompletes/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\tnotify p50 ms\tnotify p99 ms\tpeak RSS MB\tCPU ms/complete\tdb CPU ms/complete\tWAL KB/complete\tNATS CPU ms/complete\tclient CPU ms/complete\traw tx/s\traw db CPU ms/tx\traw WAL KB/tx\tservice/raw\thost CPU busy %\terrors\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.0f\t%.2f\t%.1f\t%.2f\t%.0f\t%d\t\n",
			r.Daemons, r.Clients, r.CompletesPerSec, r.P50ms, r.P95ms, r.P99ms, r.MaxMs, r.NotifyP50ms, r.NotifyP99ms,
			r.PeakRSSMB, r.CPUPerComplete, r.DBCPUPerComplete, r.WALKBPerComplete, r.NATSCPUPerComplete, r.ClientCPUPerComplete, r.RawTxPerSec, r.RawDBCPUPerTx, r.RawWALKBPerTx, r.Ratio, 100*r.HostCPUBusy, r.Errors)
	}
	return tw.Flush()
}

// WriteJSON prints results as JSON.
func WriteJSON[R Result | RoutingResult](w io.Writer, results []R) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(results)
}

// WriteRoutingTable prints routing results as a table, and below it each
// run's checks: OK, or those that failed.
func WriteRoutingTable(w io.Writer, results []RoutingResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "daemons\tagents\tcapacity\tclients\tsessions\tintakes/s\toffers/s\tqueued→offered p50 ms\tp95 ms\tp99 ms\tmax ms\tdecided→recorded p50 ms\tp99 ms\tfreed→offered p50 ms\tp99 ms\tintake→offer seen p50 ms\tp95 ms\tp99 ms\tmax ms\toffers\toffered twice\tnot offered\tnot completed\twaiting\ttimed out\tmax load\tover capacity\terrors\tpeak RSS MB\tCPU ms/session\tdb CPU ms/session\tNATS CPU ms/session\tclient CPU ms/session\thost CPU busy %\tother load cores\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%.2f\t\n",
			r.Daemons, r.Agents, r.Capacity, r.Clients, r.Sessions, r.IntakesPerSec, r.OffersPerSec,
			r.QueuedP50ms, r.QueuedP95ms, r.QueuedP99ms, r.QueuedMaxMs, r.AppendP50ms, r.AppendP99ms, r.RefillP50ms, r.RefillP99ms,
			r.SeenP50ms, r.SeenP95ms, r.SeenP99ms, r.SeenMaxMs,
			r.Offers, r.OfferedTwice, r.NotOffered, r.NotCompleted, r.Waiting, r.TimedOut, r.MaxLoad, r.OverCapacity, r.Errors,
			r.PeakRSSMB, r.CPUPerSession, r.DBCPUPerSession, r.NATSCPUPerSession, r.ClientCPUPerSession, 100*r.HostCPUBusy, r.OtherLoadCores)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if p := r.Problems(); len(p) > 0 {
			fmt.Fprintf(w, "clients=%d: FAILED: %s\n", r.Clients, strings.Join(p, "; "))
		} else {
			fmt.Fprintf(w, "clients=%d: checks OK: %d sessions, each offered once and completed, none waiting, no agent over capacity (max load %d of %d)\n",
				r.Clients, r.Sessions, r.MaxLoad, r.Capacity)
		}
	}
	return nil
}
