// Command fbsessionbench load-tests fbsessiond on PostgreSQL and compares
// it with the physical limit: the same rows inserted by raw pgx at the same
// concurrency. See docs/PERFORMANCE.md.
package main

import (
	"context"
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
	)
	cmd := &cobra.Command{
		Use:           "fbsessionbench --database-url URL --nats-url URL [--sessions N] [--clients 1,16,64]",
		Short:         "Load-test fbsessiond against the raw PostgreSQL limit",
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
	f.IntVar(&cfg.Sessions, "sessions", 20000, "sessions to create and complete per run")
	f.StringVar(&cfg.Session, "session", bench.SessionSeed, "the session each intake creates: seed (the seed page's, 3.5 KB, 83 user data keys) or small (0.3 KB)")
	f.IntSliceVar(&cfg.Clients, "clients", []int{1, 16, 64}, "concurrent HTTP clients, one run each")
	f.IntVar(&cfg.Daemons, "daemons", 1, "fbsessiond processes sharing the schema; clients spread sessions over them round robin")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write the service's CPU profile of each timed phase to this prefix + -c<clients>.pprof")
	f.IntVar(&cfg.ProfileSeconds, "profile-seconds", 3, "how long each CPU profile lasts, from the start of the timed phase")
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fbsessionbench:", err)
		os.Exit(1)
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
