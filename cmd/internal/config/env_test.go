package config_test

import (
	"io"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/websession"
)

// An environment value that does not parse stops the start, naming the
// variable, as the same value given as a flag does; a flag on the command
// line replaces it. Not parallel: it sets the environment.
func TestBadEnvironmentValueStopsTheStart(t *testing.T) {
	for _, tc := range []struct{ name, value, flag string }{
		{"FBSESSION_STREAM_REPLICAS", "three", "stream-replicas"},     // int
		{"FBSESSION_REQUEST_TIMEOUT", "1500", "request-timeout"},      // duration without a unit
		{"FBSESSION_ADMIN_PPROF", "yes please", "admin-pprof"},        // bool
		{"FBSESSION_CACHE_BYTES", "16 MiB", "cache-bytes"},            // bytes
		{"FBSESSION_STREAM_MAX_BYTES", "1G", "stream-max-bytes"},      // bytes
		{"FBSESSION_CONNS_PER_ADDRESS", "256.5", "conns-per-address"}, // int
		{"FBSESSION_WEB_SESSION_IDLE", "30", "web-session-idle"},      // duration without a unit
		{"FBSESSION_WEB_SESSIONS_MAX", "lots", "web-sessions-max"},    // int
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			parse := func(args ...string) (*config.Config, *pflag.FlagSet, error) {
				var cfg config.Config
				fs := pflag.NewFlagSet("fbsessiond", pflag.ContinueOnError)
				fs.SetOutput(io.Discard)
				cfg.Register(fs)
				return &cfg, fs, fs.Parse(args)
			}
			cfg, fs, err := parse()
			require.NoError(t, err)
			err = cfg.EnvError(fs)
			require.ErrorContains(t, err, tc.name)
			require.ErrorContains(t, err, tc.value)

			_, _, err = parse("--" + tc.flag + "=" + tc.value)
			require.Error(t, err, "the flag is refused too")

			good := map[string]string{"stream-replicas": "3", "request-timeout": "2s", "admin-pprof": "true",
				"cache-bytes": "1024", "stream-max-bytes": "1024", "conns-per-address": "8",
				"web-session-idle": "10m", "web-sessions-max": "1000"}[tc.flag]
			cfg, fs, err = parse("--" + tc.flag + "=" + good)
			require.NoError(t, err)
			require.NoError(t, cfg.EnvError(fs), "a flag replaces the bad environment value")
		})
	}
}

// Good environment values are taken; an empty one is unset.
func TestEnvironmentValues(t *testing.T) {
	t.Setenv("FBSESSION_REQUEST_TIMEOUT", "2s")
	t.Setenv("FBSESSION_STREAM_MAX_BYTES", "1048576")
	t.Setenv("FBSESSION_ADMIN_PPROF", "true")
	t.Setenv("FBSESSION_ADMIN_ADDR", "127.0.0.1:9200")
	t.Setenv("FBSESSION_STREAM_REPLICAS", "")
	t.Setenv("FBSESSION_WEB_SESSION_IDLE", "10m")
	t.Setenv("FBSESSION_WEB_SESSION_MAX_AGE", "8h")
	t.Setenv("FBSESSION_WEB_SESSIONS_PER_USER", "3")
	t.Setenv("FBSESSION_WEB_SESSIONS_MAX", "500")
	t.Setenv("FBSESSION_COOKIE_SECURE", "always")
	var cfg config.Config
	fs := pflag.NewFlagSet("fbsessiond", pflag.ContinueOnError)
	cfg.Register(fs)
	require.NoError(t, fs.Parse(nil))
	require.NoError(t, cfg.EnvError(fs))
	require.NoError(t, cfg.Validate())
	require.Equal(t, 2*time.Second, cfg.RequestTimeout)
	require.Equal(t, int64(1<<20), cfg.StreamMaxBytes)
	require.True(t, cfg.AdminPprof)
	require.Equal(t, "127.0.0.1:9200", cfg.AdminAddr)
	require.Equal(t, 1, cfg.StreamReplicas)
	require.Equal(t, httpapi.DefaultConnsPerAddress, cfg.ConnsPerAddress)
	require.Equal(t, websession.Config{Idle: 10 * time.Minute, MaxAge: 8 * time.Hour, PerUser: 3, Max: 500}, cfg.WebSessions.Store())
	require.True(t, cfg.WebSessions.AlwaysSecure())
}

// Browser sessions are on by default, with the documented bounds, and
// the cookie Secure only when the request came over TLS.
func TestWebSessionDefaults(t *testing.T) {
	var cfg config.Config
	fs := pflag.NewFlagSet("fbsessiond", pflag.ContinueOnError)
	cfg.Register(fs)
	require.NoError(t, fs.Parse(nil))
	require.NoError(t, cfg.Validate())
	require.Equal(t, websession.Config{Idle: 30 * time.Minute, MaxAge: 12 * time.Hour, PerUser: 8, Max: 100_000}, cfg.WebSessions.Store())
	require.False(t, cfg.WebSessions.AlwaysSecure())
}

// fbsessionctl's commands check the environment of their own settings.
func TestBadBcryptCostInEnvironment(t *testing.T) {
	t.Setenv("FBSESSION_BCRYPT_COST", "ten")
	var cfg config.Config
	fs := pflag.NewFlagSet("users", pflag.ContinueOnError)
	cfg.RegisterStore(fs)
	require.NoError(t, fs.Parse(nil))
	require.ErrorContains(t, cfg.EnvError(fs), "FBSESSION_BCRYPT_COST")
}
