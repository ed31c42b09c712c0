package config_test

import (
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
	for _, daemonOnly := range []string{"http-addr", "cached-sessions", "stream-retention", "checkpoint-interval", "request-timeout"} {
		require.Nil(t, fs.Lookup(daemonOnly), daemonOnly)
	}
}
