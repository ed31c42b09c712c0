// Package config is the configuration shared by fbsessiond and
// fbsessionctl: environment variables, overridden by flags.
package config

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/fbsession/fbsession/cmd/internal/natsconn"
	"github.com/fbsession/fbsession/projections/notifier"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/websession"
)

// maxAppendBatches bounds --append-batches: each batch holds a database
// connection, of the 32 the pool has unless DATABASE_URL says otherwise.
const maxAppendBatches = 16

// Config is what both binaries are configured with.
type Config struct {
	// DatabaseURL selects PostgreSQL; empty means the embedded store in
	// DataDir.
	DatabaseURL string
	DataDir     string
	// NATSURL selects an external NATS; empty means an in-process server
	// listening on NATSListen, storing JetStream data in DataDir.
	NATSURL    string
	NATSListen string
	// NATSCreds, NATSUser and NATSPassword, or NATSToken authenticate to
	// an external NATS; the in-process one uses the credentials it
	// generated in DataDir.
	NATSCreds    string
	NATSUser     string
	NATSPassword string
	NATSToken    string
	// MsgIDKey keys the notifications' Nats-Msg-Id so that no other client
	// can guess one; every fbsessiond of a deployment needs the same.
	MsgIDKey      string
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
	// StreamReplicas is how many NATS cluster servers keep the stream;
	// StreamMaxBytes bounds its storage, the oldest dropped past it.
	StreamReplicas int
	StreamMaxBytes int64
	// RequestTimeout bounds each API request.
	RequestTimeout time.Duration
	// PprofAddr, when set, serves net/http/pprof there (keep it private).
	PprofAddr string
	// AdminAddr, when set, serves /healthz, /readyz and /metrics (and the
	// profiles with AdminPprof) apart from the API, so that a flood of
	// API connections does not blind the orchestrator.
	AdminAddr  string
	AdminPprof bool
	// ConnsPerAddress caps the API connections one client address holds;
	// 0 takes the default.
	ConnsPerAddress int
	// CachedSessions bounds the open sessions whose state the command
	// handler and the notifier each keep in memory; CacheBytes bounds the
	// bytes each of the two caches may hold.
	CachedSessions int
	CacheBytes     int64
	// AppendBatches is how many batches of appends to different sessions
	// may run at once against PostgreSQL (group commit); 0 appends each
	// alone.
	AppendBatches int
	// DurablePublish makes the notifier publish a page of changes only
	// once they are durable on PostgreSQL's synchronous standbys (a
	// barrier per page, docs/HA.md). RequireSyncStandby makes /readyz
	// report degraded while no synchronous standby is attached.
	DurablePublish     bool
	RequireSyncStandby bool
	// CheckpointKey, when set, is the ed25519 key file fbsessiond signs
	// checkpoints of the log with, every CheckpointInterval, into the
	// JetStream stream CheckpointStream (kept CheckpointRetention, 0 for
	// ever).
	CheckpointKey       string
	CheckpointInterval  time.Duration
	CheckpointStream    string
	CheckpointRetention time.Duration
	// TrustedProxies are the networks of the reverse proxies whose
	// X-Forwarded-For is believed, to tell the client address failed
	// logins are counted under; empty trusts none, so that no client can
	// pick the address it is throttled as.
	TrustedProxies []netip.Prefix
	// CometD* limit the CometD server (transport/cometd): clients held per
	// user and in all, messages and bytes queued for one client, and how
	// long a client may go without connecting before it expires, and the
	// bytes queued for all clients together. Zero takes its default
	// (CometDClients: half of the daemon's connection cap).
	CometDClientsPerUser int
	CometDClients        int
	CometDQueue          int
	CometDQueueBytes     int
	CometDQueueBudget    int64
	CometDMaxIdle        time.Duration
	// Messenger is the Messenger Platform connector (docs/MESSENGER.md).
	Messenger Messenger
	// WebSessions are the browser sessions (docs/API.md §14).
	WebSessions WebSessions

	// trustedProxiesErr is FBSESSION_TRUSTED_PROXIES' parse error, which
	// registration cannot return; Validate does.
	trustedProxiesErr error
	// envErrs holds, by flag name, the environment values registration
	// could not parse; EnvError reports those no flag replaced.
	envErrs map[string]error
}

// Register adds every setting to fs, fbsessiond's flags, each defaulting
// to its environment variable, so that flags override the environment.
func (c *Config) Register(fs *pflag.FlagSet) {
	c.RegisterStore(fs)
	c.RegisterNATS(fs)
	c.RegisterStream(fs)
	c.RegisterCheckpointStream(fs)
	c.RegisterPublicURL(fs)
	c.RegisterLog(fs)
	c.RegisterDaemon(fs)
}

// The groups below let each fbsessionctl command show only the settings
// it uses. A setting two groups share (data-dir) is added once: adding a
// flag twice to a FlagSet panics.

// RegisterStore adds the settings of the event store and the user
// directory: database-url, data-dir, bcrypt-cost.
func (c *Config) RegisterStore(fs *pflag.FlagSet) {
	if fs.Lookup("database-url") == nil {
		fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; empty runs on the embedded single-file store [DATABASE_URL]")
		redactDefault(fs, "database-url")
	}
	c.registerDataDir(fs)
	if fs.Lookup("bcrypt-cost") == nil {
		fs.IntVar(&c.BcryptCost, "bcrypt-cost", c.envInt("bcrypt-cost", "FBSESSION_BCRYPT_COST", 10), "bcrypt work factor of new passwords [FBSESSION_BCRYPT_COST]")
	}
}

// RegisterNATS adds the settings of the NATS connection: nats-url,
// nats-creds, nats-user, nats-listen, subject-prefix, and data-dir (where
// the in-process server's credentials are).
func (c *Config) RegisterNATS(fs *pflag.FlagSet) {
	if fs.Lookup("nats-url") != nil {
		return
	}
	// Secrets come only from the environment (see EnvSecrets): a command
	// line is visible to every user of the machine (ps), and a flag's
	// default is printed by --help. Read where the flags are registered,
	// like their defaults, so that registering again on the same set
	// leaves alone what the caller set meanwhile.
	c.NATSPassword = os.Getenv("NATS_PASSWORD")
	c.NATSToken = os.Getenv("NATS_TOKEN")
	c.MsgIDKey = os.Getenv("FBSESSION_MSGID_KEY")
	fs.StringVar(&c.NATSURL, "nats-url", env("NATS_URL", ""), "NATS URL; empty runs an in-process NATS server, with generated credentials in the data directory [NATS_URL]")
	redactDefault(fs, "nats-url")
	fs.StringVar(&c.NATSCreds, "nats-creds", env("NATS_CREDS", ""), "NATS credentials file (JWT and NKey seed) for NATS_URL [NATS_CREDS]")
	fs.StringVar(&c.NATSUser, "nats-user", env("NATS_USER", ""), "NATS user for NATS_URL, with the password in NATS_PASSWORD [NATS_USER]")
	fs.StringVar(&c.NATSListen, "nats-listen", env("FBSESSION_NATS_LISTEN", "127.0.0.1:4222"), "address of the in-process NATS server; keep it on loopback unless others need it [FBSESSION_NATS_LISTEN]")
	fs.StringVar(&c.SubjectPrefix, "subject-prefix", env("FBSESSION_SUBJECT_PREFIX", "gws.v2"), "prefix of notification subjects [FBSESSION_SUBJECT_PREFIX]")
	c.registerDataDir(fs)
}

// RegisterStream adds the name of the JetStream stream of notifications.
func (c *Config) RegisterStream(fs *pflag.FlagSet) {
	if fs.Lookup("stream") == nil {
		fs.StringVar(&c.Stream, "stream", env("FBSESSION_STREAM", "FBSESSION_NOTIFICATIONS"), "JetStream stream of the notifications [FBSESSION_STREAM]")
	}
}

// RegisterCheckpointStream adds the name of the JetStream stream of
// signed checkpoints.
func (c *Config) RegisterCheckpointStream(fs *pflag.FlagSet) {
	if fs.Lookup("checkpoint-stream") == nil {
		fs.StringVar(&c.CheckpointStream, "checkpoint-stream", env("FBSESSION_CHECKPOINT_STREAM", "FBSESSION_CHECKPOINTS"), "JetStream stream of the signed checkpoints [FBSESSION_CHECKPOINT_STREAM]")
	}
}

// RegisterPublicURL adds public-url, the prefix of resource uris. Its
// default derives from HTTPAddr, which commands other than fbsessiond
// take from the environment only.
func (c *Config) RegisterPublicURL(fs *pflag.FlagSet) {
	if fs.Lookup("public-url") == nil {
		c.HTTPAddr = env("FBSESSION_HTTP_ADDR", defaultHTTPAddr)
		fs.StringVar(&c.PublicURL, "public-url", env("FBSESSION_PUBLIC_URL", ""), "base URL of resource uris; default http://<http-addr> [FBSESSION_PUBLIC_URL]")
	}
}

// RegisterLog adds log-level and log-format.
func (c *Config) RegisterLog(fs *pflag.FlagSet) {
	if fs.Lookup("log-level") == nil {
		fs.StringVar(&c.LogLevel, "log-level", env("FBSESSION_LOG_LEVEL", "info"), "debug, info, warn or error [FBSESSION_LOG_LEVEL]")
		fs.StringVar(&c.LogFormat, "log-format", env("FBSESSION_LOG_FORMAT", "text"), "text or json [FBSESSION_LOG_FORMAT]")
	}
}

// RegisterDaemon adds the settings only fbsessiond uses: HTTP, trusted
// proxies, caches, stream retention, profiling and periodic checkpoints.
// Call Validate after parsing.
func (c *Config) RegisterDaemon(fs *pflag.FlagSet) {
	c.TrustedProxies, c.trustedProxiesErr = parsePrefixes(os.Getenv("FBSESSION_TRUSTED_PROXIES"))
	fs.Var(prefixes{p: &c.TrustedProxies, envErr: &c.trustedProxiesErr}, "trusted-proxies",
		"comma-separated networks (CIDR, or single addresses) of the reverse proxies whose X-Forwarded-For gives the client address; empty trusts none [FBSESSION_TRUSTED_PROXIES]")
	fs.StringVar(&c.HTTPAddr, "http-addr", env("FBSESSION_HTTP_ADDR", defaultHTTPAddr), "HTTP listen address [FBSESSION_HTTP_ADDR]")
	fs.DurationVar(&c.Retention, "stream-retention", c.envDuration("stream-retention", "FBSESSION_STREAM_RETENTION", 7*24*time.Hour), "how long the stream keeps notifications [FBSESSION_STREAM_RETENTION]")
	fs.IntVar(&c.StreamReplicas, "stream-replicas", c.envInt("stream-replicas", "FBSESSION_STREAM_REPLICAS", 1), "how many servers of the NATS cluster keep each notification: 3 survives losing one; at most the cluster's size; the same for every fbsessiond [FBSESSION_STREAM_REPLICAS]")
	fs.Int64Var(&c.StreamMaxBytes, "stream-max-bytes", c.envBytes("stream-max-bytes", "FBSESSION_STREAM_MAX_BYTES", notifier.DefaultMaxBytes), "bytes the stream keeps notifications in; past it the oldest are dropped [FBSESSION_STREAM_MAX_BYTES]")
	fs.DurationVar(&c.DuplicateWindow, "duplicate-window", c.envDuration("duplicate-window", "FBSESSION_DUPLICATE_WINDOW", 10*time.Minute), "how long JetStream drops re-published notifications; longer than the longest restart [FBSESSION_DUPLICATE_WINDOW]")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.envDuration("request-timeout", "FBSESSION_REQUEST_TIMEOUT", 1500*time.Millisecond), "the longest an API request may take before it fails with 503 [FBSESSION_REQUEST_TIMEOUT]")
	fs.StringVar(&c.AdminAddr, "admin-addr", env("FBSESSION_ADMIN_ADDR", defaultAdminAddr), "listen address of /healthz, /readyz and /metrics, apart from the API's; off when empty [FBSESSION_ADMIN_ADDR]")
	fs.BoolVar(&c.AdminPprof, "admin-pprof", c.envBool("admin-pprof", "FBSESSION_ADMIN_PPROF", false), "also serve Go profiles (/debug/pprof/) on the admin address [FBSESSION_ADMIN_PPROF]")
	fs.IntVar(&c.ConnsPerAddress, "conns-per-address", c.envInt("conns-per-address", "FBSESSION_CONNS_PER_ADDRESS", httpapi.DefaultConnsPerAddress), "API connections one client address may hold open; past it its new ones are closed at once (trusted proxies are exempt) [FBSESSION_CONNS_PER_ADDRESS]")
	fs.StringVar(&c.PprofAddr, "pprof-addr", env("FBSESSION_PPROF_ADDR", ""), "serve Go profiles on this address; off when empty [FBSESSION_PPROF_ADDR]")
	fs.IntVar(&c.CachedSessions, "cached-sessions", c.envInt("cached-sessions", "FBSESSION_CACHED_SESSIONS", 10_000), "open sessions whose state (without user data) the command handler keeps, and the notifier a fifth of it (also bounded by --cache-bytes); above it a Complete costs one more read [FBSESSION_CACHED_SESSIONS]")
	fs.Int64Var(&c.CacheBytes, "cache-bytes", c.envBytes("cache-bytes", "FBSESSION_CACHE_BYTES", 16<<20), "bytes each of the two session caches may hold (user data is not kept in them), and a quarter of it for the agents' channel states [FBSESSION_CACHE_BYTES]")
	fs.BoolVar(&c.DurablePublish, "durable-publish", c.envBool("durable-publish", "FBSESSION_DURABLE_PUBLISH", false), "PostgreSQL: publish a notification only once its change is durable on the synchronous standbys (one barrier commit per page of changes; docs/HA.md) [FBSESSION_DURABLE_PUBLISH]")
	fs.BoolVar(&c.RequireSyncStandby, "require-sync-standby", c.envBool("require-sync-standby", "FBSESSION_REQUIRE_SYNC_STANDBY", false), "PostgreSQL: /readyz reports degraded while no synchronous standby is attached (needs pg_monitor; docs/HA.md) [FBSESSION_REQUIRE_SYNC_STANDBY]")
	fs.IntVar(&c.AppendBatches, "append-batches", c.envInt("append-batches", "FBSESSION_APPEND_BATCHES", 2), "PostgreSQL: batches of concurrent appends to different sessions, each one round trip and one commit, that may run at once (group commit); 0 appends each alone [FBSESSION_APPEND_BATCHES]")
	fs.StringVar(&c.CheckpointKey, "checkpoint-key", env("FBSESSION_CHECKPOINT_KEY", ""), "ed25519 key file to sign periodic checkpoints of the log with (fbsessionctl checkpoint keygen); off when empty [FBSESSION_CHECKPOINT_KEY]")
	fs.DurationVar(&c.CheckpointInterval, "checkpoint-interval", c.envDuration("checkpoint-interval", "FBSESSION_CHECKPOINT_INTERVAL", time.Hour), "how often fbsessiond signs a checkpoint of the log [FBSESSION_CHECKPOINT_INTERVAL]")
	fs.IntVar(&c.CometDClientsPerUser, "cometd-clients-per-user", c.envInt("cometd-clients-per-user", "FBSESSION_COMETD_CLIENTS_PER_USER", 8), "CometD clients one user may hold at once (tabs, desktops); a handshake past it is refused [FBSESSION_COMETD_CLIENTS_PER_USER]")
	fs.IntVar(&c.CometDClients, "cometd-clients", c.envInt("cometd-clients", "FBSESSION_COMETD_CLIENTS", 0), "CometD clients (and websockets) this fbsessiond holds at once, all users; 0 is half of its connection cap, which the REST API shares [FBSESSION_COMETD_CLIENTS]")
	fs.IntVar(&c.CometDQueue, "cometd-queue", c.envInt("cometd-queue", "FBSESSION_COMETD_QUEUE", 1000), "notifications waiting for one CometD client; past it (or --cometd-queue-bytes) the client is dropped and must handshake again [FBSESSION_COMETD_QUEUE]")
	fs.IntVar(&c.CometDQueueBytes, "cometd-queue-bytes", c.envInt("cometd-queue-bytes", "FBSESSION_COMETD_QUEUE_BYTES", 4<<20), "bytes of notifications waiting for one CometD client [FBSESSION_COMETD_QUEUE_BYTES]")
	fs.Int64Var(&c.CometDQueueBudget, "cometd-queue-budget", c.envBytes("cometd-queue-budget", "FBSESSION_COMETD_QUEUE_BUDGET", 256<<20), "bytes of notifications waiting for all CometD clients together; a client past it is dropped and must handshake again [FBSESSION_COMETD_QUEUE_BUDGET]")
	fs.DurationVar(&c.CometDMaxIdle, "cometd-max-idle", c.envDuration("cometd-max-idle", "FBSESSION_COMETD_MAX_IDLE", 30*time.Second), "how long a CometD client may go without connecting before it expires (advice maxInterval) [FBSESSION_COMETD_MAX_IDLE]")
	c.registerMessenger(fs)
	c.registerWebSessions(fs)
	fs.DurationVar(&c.CheckpointRetention, "checkpoint-retention", c.envDuration("checkpoint-retention", "FBSESSION_CHECKPOINT_RETENTION", 0), "how long the checkpoint stream keeps checkpoints; 0 keeps them for ever [FBSESSION_CHECKPOINT_RETENTION]")
}

const (
	defaultHTTPAddr  = "127.0.0.1:8080"
	defaultAdminAddr = "127.0.0.1:8081"
)

// Validate reports the settings an environment variable gave a value
// registration could not parse, and a flag did not replace. (Flags are
// checked as they are parsed.)
func (c *Config) Validate() error {
	if c.trustedProxiesErr != nil {
		return fmt.Errorf("FBSESSION_TRUSTED_PROXIES: %w", c.trustedProxiesErr)
	}
	if c.AppendBatches < 0 || c.AppendBatches > maxAppendBatches {
		return fmt.Errorf("append-batches %d: must be 0 (each append alone) to %d", c.AppendBatches, maxAppendBatches)
	}
	if c.CacheBytes < 0 {
		return fmt.Errorf("cache-bytes %d: must be 0 (no cache) or more", c.CacheBytes)
	}
	if c.StreamReplicas < 1 || c.StreamReplicas > 5 {
		return fmt.Errorf("stream-replicas %d: must be from 1 to 5 (JetStream's most)", c.StreamReplicas)
	}
	if c.CheckpointKey != "" && c.CheckpointInterval <= 0 {
		return fmt.Errorf("checkpoint-interval %s: must be positive", c.CheckpointInterval)
	}
	if c.CometDClientsPerUser < 0 || c.CometDClients < 0 || c.CometDQueue < 0 || c.CometDQueueBytes < 0 || c.CometDQueueBudget < 0 || c.CometDMaxIdle < 0 {
		return fmt.Errorf("cometd limits must be positive, or 0 for the default: clients per user %d, clients %d, queue %d, queue bytes %d, queue budget %d, max idle %s",
			c.CometDClientsPerUser, c.CometDClients, c.CometDQueue, c.CometDQueueBytes, c.CometDQueueBudget, c.CometDMaxIdle)
	}
	if c.StreamMaxBytes < 0 {
		return fmt.Errorf("stream-max-bytes %d: must be 0 (the default) or more", c.StreamMaxBytes)
	}
	if c.ConnsPerAddress < 0 {
		return fmt.Errorf("conns-per-address %d: must be 0 (the default) or more", c.ConnsPerAddress)
	}
	if c.CheckpointRetention < 0 {
		return fmt.Errorf("checkpoint-retention %s: must be 0 (for ever) or more", c.CheckpointRetention)
	}
	if c.PublicURL != "" && c.PublicOrigin() == "" {
		return fmt.Errorf("public-url %q: must be an http or https URL with a host", c.PublicURL)
	}
	if err := c.WebSessions.validate(); err != nil {
		return err
	}
	return c.Messenger.validate()
}

// EnvSecrets describes the settings read from the environment only, for
// a command's --help: flags have no room for them.
const EnvSecrets = `Secrets are read from the environment only, never from flags (a command
line is visible to every user of the machine, and --help prints flag
defaults):
  NATS_PASSWORD        password of --nats-user on an external NATS (NATS_URL)
  NATS_TOKEN           token for an external NATS, instead of a user or creds
  FBSESSION_MSGID_KEY  key of the notifications' Nats-Msg-Id, in hex, at
                       least 32 bytes (openssl rand -hex 32); the same for
                       every fbsessiond of a deployment; generated in the
                       data directory with the in-process NATS
  FBSESSION_MESSENGER_APP_SECRET    the Meta app's secret, which signs the
                       Messenger webhook's deliveries (or _FILE: a file
                       holding it)
  FBSESSION_MESSENGER_VERIFY_TOKEN  the token Meta's webhook verification
                       presents (or _FILE)`

func (c *Config) registerDataDir(fs *pflag.FlagSet) {
	if fs.Lookup("data-dir") == nil {
		fs.StringVar(&c.DataDir, "data-dir", env("FBSESSION_DATA_DIR", "./data"), "directory of the embedded store and embedded NATS [FBSESSION_DATA_DIR]")
	}
}

// redactDefault hides a password an environment variable put in a URL
// flag's default, which --help prints.
func redactDefault(fs *pflag.FlagSet, name string) {
	f := fs.Lookup(name)
	f.DefValue = natsconn.Redact(f.DefValue)
}

// NATS is the NATS connection settings.
func (c *Config) NATS() natsconn.Settings {
	return natsconn.Settings{
		URL: c.NATSURL, DataDir: c.DataDir,
		Creds: c.NATSCreds, User: c.NATSUser, Password: c.NATSPassword, Token: c.NATSToken,
		MsgIDKey: c.MsgIDKey,
	}
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

// PublicOrigin is the origin of the public URL when one is set (a page
// of it is the service's own, behind a proxy that rewrites Host), or "".
func (c *Config) PublicOrigin() string {
	if c.PublicURL == "" {
		return ""
	}
	return websession.URLOrigin(c.PublicURL)
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
