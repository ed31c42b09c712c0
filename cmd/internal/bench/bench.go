// Package bench is fbsessionbench: a load benchmark of fbsessiond on
// PostgreSQL against the physical limit, the same rows inserted by raw pgx.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Config is what a run measures.
type Config struct {
	// DatabaseURL is a PostgreSQL database the bench may create and drop
	// schemas in.
	DatabaseURL string
	// NATSURL is the NATS server the service publishes to.
	NATSURL string
	// Daemon is the fbsessiond binary, run as a child process so that its
	// RSS and CPU are its own. Empty runs the service in this process
	// (smoke tests), whose RSS and CPU then include the bench's.
	Daemon   string
	Sessions int
	// Session is the session each intake creates: SessionSeed (the
	// default: the seed page's, 3.5 KB with 83 user data keys, as real
	// sessions are) or SessionSmall (0.3 KB, the bench's before).
	Session string
	Clients []int
	// Daemons is how many fbsessiond share the schema (default 1). The
	// clients spread their requests over them, round robin by session, as
	// a simple client-side balancer would; one of them holds the
	// projector's lease and publishes.
	Daemons int
	// CPUProfile, when set, is where the service's CPU profile of the first
	// ProfileSeconds of each timed phase is written, as
	// CPUProfile-c<clients>.pprof.
	CPUProfile     string
	ProfileSeconds int
	// Routing configures RunRouting; Run ignores it.
	Routing Routing
	Log     *slog.Logger
	// Out receives progress lines.
	Out io.Writer
}

// Result is one run at one concurrency.
type Result struct {
	Daemons         int     `json:"daemons"`
	Clients         int     `json:"clients"`
	Completes       int     `json:"completes"`
	CompletesPerSec float64 `json:"completesPerSec"`
	P50ms           float64 `json:"p50Ms"`
	P95ms           float64 `json:"p95Ms"`
	P99ms           float64 `json:"p99Ms"`
	MaxMs           float64 `json:"maxMs"`
	NotifyP50ms     float64 `json:"notifyP50Ms"`
	NotifyP99ms     float64 `json:"notifyP99Ms"`
	PeakRSSMB       float64 `json:"peakRssMb"`
	CPUSeconds      float64 `json:"cpuSeconds"`
	CPUPerComplete  float64 `json:"cpuMsPerComplete"`
	// DBCPUPerComplete and RawDBCPUPerTx are the PostgreSQL server's CPU
	// (its processes on this host) per Complete and per raw transaction.
	DBCPUPerComplete float64 `json:"dbCpuMsPerComplete"`
	RawDBCPUPerTx    float64 `json:"rawDbCpuMsPerTx"`
	// NATSCPUPerComplete and ClientCPUPerComplete are the NATS server's CPU
	// (on this host) and the load generator's own: with everything on one
	// machine they share its cores with the service and the database.
	NATSCPUPerComplete   float64 `json:"natsCpuMsPerComplete"`
	ClientCPUPerComplete float64 `json:"clientCpuMsPerComplete"`
	// HostCPUBusy is the share of the host's CPU time (all cores) that was
	// not idle during the timed phase, 0 to 1.
	HostCPUBusy float64 `json:"hostCpuBusy"`
	// WALKBPerComplete and RawWALKBPerTx are the WAL written (the whole
	// cluster's) per Complete and per raw transaction.
	WALKBPerComplete float64 `json:"walKbPerComplete"`
	RawWALKBPerTx    float64 `json:"rawWalKbPerTx"`
	RawTxPerSec      float64 `json:"rawTxPerSec"`
	Ratio            float64 `json:"ratio"`
	Errors           int     `json:"errors"`
}

// Run measures each concurrency in turn, on fresh schemas.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if cfg.DatabaseURL == "" || cfg.NATSURL == "" {
		return nil, errors.New("bench needs a PostgreSQL URL and a NATS URL")
	}
	if cfg.Sessions <= 0 {
		return nil, errors.New("bench needs sessions > 0")
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Daemons <= 0 {
		cfg.Daemons = 1
	}
	if cfg.Daemons > 1 && cfg.Daemon == "" {
		return nil, errors.New("bench needs an fbsessiond binary for more than one daemon")
	}
	var out []Result
	for _, c := range cfg.Clients {
		fmt.Fprintf(cfg.Out, "clients=%d: service...\n", c)
		r, rows, err := runService(ctx, cfg, c)
		if err != nil {
			return out, fmt.Errorf("clients=%d: %w", c, err)
		}
		fmt.Fprintf(cfg.Out, "clients=%d: raw pgx...\n", c)
		raw, err := runRaw(ctx, cfg, c, rows)
		if err != nil {
			return out, fmt.Errorf("clients=%d raw: %w", c, err)
		}
		r.RawTxPerSec, r.RawDBCPUPerTx, r.RawWALKBPerTx = raw.TxPerSec, raw.DBCPUms, raw.WALKB
		r.Ratio = r.CompletesPerSec / raw.TxPerSec
		out = append(out, r)
	}
	return out, nil
}

func unique(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
