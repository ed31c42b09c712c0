// Command fbsessionbench load-tests fbsessiond on PostgreSQL and compares
// it with the physical limit: the same rows inserted by raw pgx at the same
// concurrency. With --mode routing it measures the router instead: agents
// Ready in a queue, intakes to it, and the agents accepting and completing
// what they are offered. See docs/PERFORMANCE.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/cmd/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var (
		cfg    bench.Config
		asJSON bool
		mode   string
	)
	cmd := &cobra.Command{
		Use: "fbsessionbench --database-url URL --nats-url URL [--sessions N] [--clients 1,16,64]\n" +
			"  fbsessionbench --mode routing --database-url URL --nats-url URL [--agents 50] [--capacity 3] [--sessions N] [--clients 4]",
		Short: "Load-test fbsessiond against the raw PostgreSQL limit, or its router",
		Example: "  fbsessionbench --database-url postgres://... --nats-url nats://127.0.0.1:4222 --sessions 10000 --clients 1,16,64\n" +
			"  fbsessionbench --mode routing --database-url postgres://... --nats-url nats://127.0.0.1:4222 --agents 50 --sessions 5000",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			cfg.Out = os.Stderr
			if cfg.Daemon == "" {
				// The fbsessiond beside this binary, run as a child process.
				self, err := os.Executable()
				if err == nil {
					if d := filepath.Join(filepath.Dir(self), "fbsessiond"); fileExists(d) {
						cfg.Daemon = d
					}
				}
			}
			switch mode {
			case modeComplete:
				for _, name := range []string{"agents", "capacity", "handle-time", "intake-rate"} {
					if cmd.Flags().Changed(name) {
						return fmt.Errorf("--%s is for --mode %s", name, modeRouting)
					}
				}
			case modeRouting:
				return runRouting(cmd, cfg, asJSON)
			default:
				return fmt.Errorf("--mode %q: want %s or %s", mode, modeComplete, modeRouting)
			}
			results, err := bench.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if asJSON {
				return bench.WriteJSON(os.Stdout, results)
			}
			return bench.WriteTable(os.Stdout, results)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DatabaseURL, "database-url", os.Getenv("DATABASE_URL"), "PostgreSQL database to create bench schemas in [DATABASE_URL]")
	f.StringVar(&cfg.NATSURL, "nats-url", os.Getenv("NATS_URL"), "NATS server [NATS_URL]")
	f.StringVar(&cfg.Daemon, "fbsessiond", "", "fbsessiond binary (default: beside this one; none found: in-process)")
	f.IntVar(&cfg.Sessions, "sessions", 20000, "sessions to create and complete per run (routing: default 5000)")
	f.StringVar(&cfg.Session, "session", bench.SessionSeed, "the session each intake creates: seed (the seed page's, 3.5 KB, 83 user data keys) or small (0.3 KB)")
	f.IntSliceVar(&cfg.Clients, "clients", []int{1, 16, 64}, "concurrent HTTP clients, one run each")
	f.IntVar(&cfg.Daemons, "daemons", 1, "fbsessiond processes sharing the schema; clients spread sessions over them round robin")
	f.StringVar(&mode, "mode", modeComplete, "complete (Completes against the raw limit) or routing (the router: agents accept and complete what they are offered)")
	f.IntVar(&cfg.Routing.Agents, "agents", 50, "routing: agents Ready in the queue")
	f.IntVar(&cfg.Routing.Capacity, "capacity", 3, "routing: each agent's facebooksession capacity")
	f.DurationVar(&cfg.Routing.HandleTime, "handle-time", 0, "routing: how long an agent chats between Accept and Complete")
	f.Float64Var(&cfg.Routing.IntakeRate, "intake-rate", 0, "routing: intakes a second, over all the clients (0: as fast as they can)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write the service's CPU profile of each timed phase to this prefix + -c<clients>.pprof (routing: -routing-c<clients>.pprof)")
	f.IntVar(&cfg.ProfileSeconds, "profile-seconds", 3, "how long each CPU profile lasts, from the start of the timed phase")
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fbsessionbench:", err)
		os.Exit(1)
	}
}

// The modes.
const (
	modeComplete = "complete"
	modeRouting  = "routing"
)

// runRouting runs the routing mode, with 4 intake clients and 5000
// sessions unless --clients and --sessions say otherwise, prints its results, and fails when a check
// failed.
func runRouting(cmd *cobra.Command, cfg bench.Config, asJSON bool) error {
	if !cmd.Flags().Changed("clients") {
		cfg.Clients = []int{4}
	}
	if !cmd.Flags().Changed("sessions") {
		cfg.Sessions = 5000
	}
	results, err := bench.RunRouting(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	if asJSON {
		err = bench.WriteJSON(os.Stdout, results)
	} else {
		err = bench.WriteRoutingTable(os.Stdout, results)
	}
	if err != nil {
		return err
	}
	for _, r := range results {
		if len(r.Problems()) > 0 {
			return errors.New("a routing check failed")
		}
	}
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
