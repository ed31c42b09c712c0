package config_test

import (
	"io"
	"net/netip"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

// NATS credentials come from the environment, flags where they are not
// secret; no secret shows in --help. Not parallel: it sets the
// environment.
func TestNATSCredentials(t *testing.T) {
	t.Setenv("NATS_URL", "nats://fbsessiond:url-s3cret@nats:4222")
	t.Setenv("DATABASE_URL", "postgres://fb:db-s3cret@db/fb")
	t.Setenv("NATS_USER", "env-user")
	t.Setenv("NATS_PASSWORD", "pw-s3cret")
	t.Setenv("NATS_TOKEN", "tok-s3cret")
	t.Setenv("NATS_CREDS", "/etc/fb.creds")
	t.Setenv("FBSESSION_MSGID_KEY", "key-s3cret")
	var cfg config.Config
	fs := pflag.NewFlagSet("fbsessiond", pflag.ContinueOnError)
	cfg.Register(fs)
	require.NoError(t, fs.Parse([]string{"--nats-user", "flag-user", "--data-dir", "/d"}))
	require.Equal(t, natsconn.Settings{
		URL: "nats://fbsessiond:url-s3cret@nats:4222", DataDir: "/d", Creds: "/etc/fb.creds",
		User: "flag-user", Password: "pw-s3cret", Token: "tok-s3cret", MsgIDKey: "key-s3cret",
	}, cfg.NATS())

	help := fs.FlagUsages()
	require.NotContains(t, help, "s3cret")
	require.Contains(t, help, "nats://fbsessiond:xxxxx@nats:4222")
	require.Contains(t, help, "postgres://fb:xxxxx@db/fb")
	require.Nil(t, fs.Lookup("nats-password"), "a password on the command line is visible to ps")
}

// The groups fbsessionctl's commands take share data-dir, default from
// the environment like fbsessiond's flags, and leave out the daemon's.
// Not parallel: it sets the environment.
func TestGroups(t *testing.T) {
	t.Setenv("FBSESSION_DATA_DIR", "/env-dir")
	t.Setenv("FBSESSION_HTTP_ADDR", "10.0.0.1:80")
	t.Setenv("FBSESSION_STREAM", "S")
	var cfg config.Config
	fs := pflag.NewFlagSet("watch", pflag.ContinueOnError)
	cfg.RegisterNATS(fs)
	cfg.RegisterStore(fs)
	cfg.RegisterStream(fs)
	cfg.RegisterPublicURL(fs)
	require.NoError(t, fs.Parse([]string{"--nats-listen", "127.0.0.1:1"}))
	require.Equal(t, "/env-dir", cfg.DataDir)
	require.Equal(t, "S", cfg.Stream)
	require.Equal(t, "nats://127.0.0.1:1", cfg.NATSClientURL())
	require.Equal(t, "http://10.0.0.1:80", cfg.BaseURL(), "the default of public-url still follows FBSESSION_HTTP_ADDR")
	require.Empty(t, cfg.PublicOrigin(), "a page's origin is taken from no default")
	for _, daemonOnly := range []string{"trusted-proxies", "http-addr", "cached-sessions", "stream-retention", "checkpoint-interval", "request-timeout"} {
		require.Nil(t, fs.Lookup(daemonOnly), daemonOnly)
	}
}

// Trusted proxies come from FBSESSION_TRUSTED_PROXIES or the flag, which
// wins; each network is checked, a bad flag failing the parse and a bad
// environment value Validate. Not parallel: it sets the environment.
func TestTrustedProxies(t *testing.T) {
	parse := func(args ...string) (*config.Config, error) {
		var cfg config.Config
		fs := pflag.NewFlagSet("fbsessiond", pflag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.Register(fs)
		return &cfg, fs.Parse(args)
	}

	cfg, err := parse()
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	require.Empty(t, cfg.TrustedProxies, "no proxy is trusted by default")

	t.Setenv("FBSESSION_TRUSTED_PROXIES", " 10.0.0.0/8, 2001:db8::/32,192.0.2.7 ")
	cfg, err = parse()
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	require.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("192.0.2.7/32"),
	}, cfg.TrustedProxies)
	cfg, err = parse("--trusted-proxies", "172.16.0.0/12")
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12")}, cfg.TrustedProxies, "the flag wins")

	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0.1/8", "fe80::1%eth0"} {
		_, err := parse("--trusted-proxies", "10.0.0.0/8,"+bad)
		require.ErrorContains(t, err, bad)
	}
	_, err = parse("--trusted-proxies", "10.0.0.1/8")
	require.ErrorContains(t, err, "did you mean 10.0.0.0/8")

	t.Setenv("FBSESSION_TRUSTED_PROXIES", "10.0.0.0/8,nonsense")
	cfg, err = parse()
	require.NoError(t, err)
	require.ErrorContains(t, cfg.Validate(), "FBSESSION_TRUSTED_PROXIES")
	require.ErrorContains(t, cfg.Validate(), "nonsense")
	cfg, err = parse("--trusted-proxies", "10.0.0.0/8")
	require.NoError(t, err)
	require.NoError(t, cfg.Validate(), "a flag replaces the bad environment value")
}

// The secrets read from the environment only are read where the NATS
// flags are registered: registering again on the same flags leaves what
// the caller set since. Not parallel: it sets the environment.
func TestRegisterNATSReadsSecretsOnce(t *testing.T) {
	t.Setenv("NATS_PASSWORD", "pw-env")
	var cfg config.Config
	fs := pflag.NewFlagSet("watch", pflag.ContinueOnError)
	cfg.RegisterNATS(fs)
	require.Equal(t, "pw-env", cfg.NATSPassword)
	cfg.NATSPassword = "set-by-caller"
	cfg.RegisterNATS(fs)
	require.Equal(t, "set-by-caller", cfg.NATSPassword)
}

// --help names every secret taken from the environment only.
func TestEnvSecretsNamesEverySecret(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"NATS_PASSWORD", "NATS_TOKEN", "FBSESSION_MSGID_KEY"} {
		require.Contains(t, config.EnvSecrets, name)
	}
}

// Validate refuses sizes and counts no server could run with, naming the
// setting.
func TestValidateBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cache-bytes", "-1"}, "cache-bytes -1"},
		{[]string{"--stream-replicas", "0"}, "stream-replicas 0"},
		{[]string{"--stream-replicas", "6"}, "stream-replicas 6"},
		{[]string{"--checkpoint-key", "k.pem", "--checkpoint-interval", "0s"}, "checkpoint-interval 0s"},
		{[]string{"--checkpoint-retention", "-1h"}, "checkpoint-retention -1h0m0s"},
		{[]string{"--cometd-clients-per-user", "-1"}, "clients per user -1"},
		{[]string{"--cometd-queue", "-5"}, "queue -5"},
		{[]string{"--cometd-max-idle", "-1s"}, "max idle -1s"},
		{[]string{"--cometd-clients", "-1"}, "clients -1"},
		{[]string{"--cometd-queue-bytes", "-1"}, "queue bytes -1"},
		{[]string{"--cometd-queue-budget", "-1"}, "queue budget -1"},
		{[]string{"--append-batches", "-1"}, "append-batches -1"},
		{[]string{"--append-batches", "17"}, "append-batches 17"},
		{[]string{"--web-session-idle", "30s"}, "web-session-idle 30s"},
		{[]string{"--web-session-idle", "2h", "--web-session-max-age", "1h"}, "web-session-max-age 1h0m0s"},
		{[]string{"--web-sessions-per-user", "0"}, "web-sessions-per-user 0"},
		{[]string{"--web-sessions-max", "-1"}, "web-sessions-max -1"},
		{[]string{"--cookie-secure", "yes"}, `cookie-secure "yes"`},
	} {
		var cfg config.Config
		fs := pflag.NewFlagSet("fbsessiond", pflag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.Register(fs)
		require.NoError(t, fs.Parse(tc.args))
		require.ErrorContains(t, cfg.Validate(), tc.want, tc.args)
	}
	var cfg config.Config
	fs := pflag.NewFlagSet("fbsessiond", pflag.ContinueOnError)
	cfg.Register(fs)
	require.NoError(t, fs.Parse([]string{"--cache-bytes", "0", "--stream-replicas", "3"}))
	require.NoError(t, cfg.Validate(), "0 cache bytes keeps none; 3 replicas is fine")
}

// The public URL's origin is the pages' behind a proxy that rewrites
// Host; a public URL with none is refused.
func TestPublicOrigin(t *testing.T) {
	for _, c := range []struct{ url, origin string }{
		{"https://Desk.example.com/fbsession/", "https://desk.example.com"},
		{"https://desk.example.com:443", "https://desk.example.com"},
		{"http://10.0.0.1:8080", "http://10.0.0.1:8080"},
	} {
		cfg := config.Config{PublicURL: c.url}
		require.Equal(t, c.origin, cfg.PublicOrigin(), c.url)
	}
	for _, bad := range []string{"desk.example.com", "ftp://desk.example.com", "https://"} {
		var cfg config.Config
		fs := pflag.NewFlagSet("fbsessiond", pflag.ContinueOnError)
		cfg.Register(fs)
		require.NoError(t, fs.Parse([]string{"--public-url", bad}))
		require.ErrorContains(t, cfg.Validate(), "public-url", bad)
	}
}
