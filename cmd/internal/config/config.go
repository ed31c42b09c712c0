// Package config is the configuration shared by fbsessiond and
// fbsessionctl: environment variables, overridden by flags.
package config

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config is what both binaries are configured with.
type Config struct {
	// DatabaseURL selects PostgreSQL; empty means the embedded store in
	// DataDir.
	DatabaseURL string
	DataDir     string
	// NATSURL selects an external NATS; empty means an in-process server
	// listening on NATSListen, storing JetStream data in DataDir.
	NATSURL       string
	NATSListen    string
	SubjectPrefix string
	HTTPAddr      string
	// PublicURL prefixes resource uris; default http://HTTPAddr.
	PublicURL  string
	LogLevel   string
	LogFormat  string
	BcryptCost int
	// Stream is the JetStream stream of notifications; Retention how long
	// it keeps them; DuplicateWindow how long re-publishes are dropped.
	Stream          string
	Retention       time.Duration
	DuplicateWindow time.Duration
	// RequestTimeout bounds each API request.
	RequestTimeout time.Duration
	// PprofAddr, when set, serves net/http/pprof there (keep it private).
	PprofAddr string
	// CachedSessions bounds the open sessions whose state the command
	// handler and the notifier each keep in memory.
	CachedSessions int
}

// Register adds the flags to fs, each defaulting to its environment
// variable, so that flags override the environment.
func (c *Config) Register(fs *pflag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; empty runs on the embedded single-file store [DATABASE_URL]")
	fs.StringVar(&c.DataDir, "data-dir", env("FBSESSION_DATA_DIR", "./data"), "directory of the embedded store and embedded NATS [FBSESSION_DATA_DIR]")
	fs.StringVar(&c.NATSURL, "nats-url", env("NATS_URL", ""), "NATS URL; empty runs an in-process NATS server [NATS_URL]")
	fs.StringVar(&c.NATSListen, "nats-listen", env("FBSESSION_NATS_LISTEN", "127.0.0.1:4222"), "address of the in-process NATS server [FBSESSION_NATS_LISTEN]")
	fs.StringVar(&c.SubjectPrefix, "subject-prefix", env("FBSESSION_SUBJECT_PREFIX", "gws.v2"), "prefix of notification subjects [FBSESSION_SUBJECT_PREFIX]")
	fs.StringVar(&c.HTTPAddr, "http-addr", env("FBSESSION_HTTP_ADDR", "127.0.0.1:8080"), "HTTP listen address [FBSESSION_HTTP_ADDR]")
	fs.StringVar(&c.PublicURL, "public-url", env("FBSESSION_PUBLIC_URL", ""), "base URL of resource uris; default http://<http-addr> [FBSESSION_PUBLIC_URL]")
	fs.StringVar(&c.LogLevel, "log-level", env("FBSESSION_LOG_LEVEL", "info"), "debug, info, warn or error [FBSESSION_LOG_LEVEL]")
	fs.StringVar(&c.LogFormat, "log-format", env("FBSESSION_LOG_FORMAT", "text"), "text or json [FBSESSION_LOG_FORMAT]")
	fs.StringVar(&c.Stream, "stream", env("FBSESSION_STREAM", "FBSESSION_NOTIFICATIONS"), "JetStream stream of the notifications [FBSESSION_STREAM]")
	fs.DurationVar(&c.Retention, "stream-retention", envDuration("FBSESSION_STREAM_RETENTION", 7*24*time.Hour), "how long the stream keeps notifications [FBSESSION_STREAM_RETENTION]")
	fs.DurationVar(&c.DuplicateWindow, "duplicate-window", envDuration("FBSESSION_DUPLICATE_WINDOW", 10*time.Minute), "how long JetStream drops re-published notifications; longer than the longest restart [FBSESSION_DUPLICATE_WINDOW]")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", envDuration("FBSESSION_REQUEST_TIMEOUT", 1500*time.Millisecond), "the longest an API request may take before it fails with 503 [FBSESSION_REQUEST_TIMEOUT]")
	fs.StringVar(&c.PprofAddr, "pprof-addr", env("FBSESSION_PPROF_ADDR", ""), "serve Go profiles on this address; off when empty [FBSESSION_PPROF_ADDR]")
	fs.IntVar(&c.CachedSessions, "cached-sessions", envInt("FBSESSION_CACHED_SESSIONS", 10_000), "open sessions whose state is kept in memory, about 1 KB each, twice; above it a Complete costs one more round trip [FBSESSION_CACHED_SESSIONS]")
	fs.IntVar(&c.BcryptCost, "bcrypt-cost", envInt("FBSESSION_BCRYPT_COST", 10), "bcrypt work factor of new passwords [FBSESSION_BCRYPT_COST]")
}

// NATSClientURL is the NATS server to connect to as a client: NATSURL, or
// the in-process server of the embedded default.
func (c *Config) NATSClientURL() string {
	if c.NATSURL != "" {
		return c.NATSURL
	}
	return "nats://" + c.NATSListen
}

// BaseURL is the prefix of resource uris.
func (c *Config) BaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.HTTPAddr
}

// Logger returns the slog logger the configuration asks for.
func (c *Config) Logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", c.LogLevel, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: text or json", c.LogFormat)
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
