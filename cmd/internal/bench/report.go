package bench

import (
	"encoding/json"
	"fmt"
	"io"
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
func WriteJSON(w io.Writer, results []Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(results)
}
