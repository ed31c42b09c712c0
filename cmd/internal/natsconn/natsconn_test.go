package natsconn_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

// run starts an in-process nats-server with opts, shut down when t ends.
func run(t *testing.T, opts *server.Options) *server.Server {
	t.Helper()
	opts.Host, opts.Port, opts.NoLog, opts.NoSigs = "127.0.0.1", server.RANDOM_PORT, true, true
	ns, err := server.NewServer(opts)
	require.NoError(t, err)
	ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(ns.Shutdown)
	return ns
}

// connect connects with the options s gives, closing when t ends.
func connect(s natsconn.Settings) (*nats.Conn, error) {
	opts, err := natsconn.Options(s, natsconn.Publisher)
	if err != nil {
		return nil, err
	}
	return natsconn.Connect(s.URL, append(opts, nats.Timeout(2*time.Second))...)
}

func TestExternalCredentials(t *testing.T) {
	t.Parallel()
	users := run(t, &server.Options{Users: []*server.User{{Username: "fbsessiond", Password: "s3cret"}}}).ClientURL()
	token := run(t, &server.Options{Authorization: "t0ken"}).ClientURL()
	credsURL, credsFile := runOperator(t)

	ok := map[string]natsconn.Settings{
		"user and password": {URL: users, User: "fbsessiond", Password: "s3cret"},
		"in the URL":        {URL: "nats://fbsessiond:s3cret@" + users[len("nats://"):]},
		"token":             {URL: token, Token: "t0ken"},
		"creds file":        {URL: credsURL, Creds: credsFile},
	}
	for name, s := range ok {
		nc, err := connect(s)
		require.NoError(t, err, name)
		require.NoError(t, nc.Flush(), name)
		nc.Close()
	}

	refused := map[string]natsconn.Settings{
		"none":           {URL: users},
		"wrong password": {URL: users, User: "fbsessiond", Password: "guess"},
		"wrong token":    {URL: token, Token: "guess"},
		"no creds":       {URL: credsURL},
	}
	for name, s := range refused {
		_, err := connect(s)
		require.ErrorIs(t, err, nats.ErrAuthorization, name)
		require.NotContains(t, err.Error(), "guess", name)
	}
}

func TestBadSettingsAreClear(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for s, want := range map[natsconn.Settings]string{
		{URL: "nats://u:p@h:4222", User: "u", Password: "p"}:               "more than one way",
		{URL: "nats://h:4222", Token: "t", Creds: "x.creds"}:               "more than one way",
		{URL: "nats://h:4222", User: "u"}:                                  "NATS_USER and NATS_PASSWORD go together",
		{URL: "nats://h:4222", Creds: filepath.Join(dir, "missing.creds")}: "NATS_CREDS: open",
		{DataDir: dir, Token: "t"}:                                         "for an external server",
	} {
		_, err := natsconn.Options(s, natsconn.Subscriber)
		require.ErrorContains(t, err, want)
	}
}

// A malformed URL's error names it without its password.
func TestConnectErrorHidesThePassword(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"nats://fbsessiond:s3cret@127.0.0.1:42x22", "nats://fbsessiond:s3cret@127.0.0.1:1", "nats://s3cret@127.0.0.1:1"} {
		_, err := natsconn.Connect(u, nats.Timeout(time.Second))
		require.Error(t, err)
		require.NotContains(t, err.Error(), "s3cret")
		require.Contains(t, err.Error(), "xxxxx@127.0.0.1:")
	}
}

func TestEmbeddedMsgIDKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := natsconn.LoadOrCreateEmbedded(dir)
	require.NoError(t, err)
	key, err := natsconn.MsgIDKey(natsconn.Settings{DataDir: dir})
	require.NoError(t, err)
	require.Len(t, key, 32)
	shared := strings.Repeat("5a", 32)
	key, err = natsconn.MsgIDKey(natsconn.Settings{DataDir: dir, MsgIDKey: shared})
	require.NoError(t, err)
	require.Equal(t, bytes.Repeat([]byte{0x5a}, 32), key)
	key, err = natsconn.MsgIDKey(natsconn.Settings{URL: "nats://h:4222"})
	require.NoError(t, err)
	require.Nil(t, key)
}

// A configured key is hex of at least 32 bytes, like the generated one;
// the error says so without quoting the key.
func TestMsgIDKeyIsHexOfAtLeast32Bytes(t *testing.T) {
	t.Parallel()
	for _, k := range []string{
		"k",                             // one byte, not hex
		strings.Repeat("ab", 31),        // 31 bytes
		strings.Repeat("s3cret", 11),    // long enough, not hex
		strings.Repeat("ab", 31) + "a",  // odd length
		strings.Repeat("ab", 31) + "s3", // a bad digit
	} {
		_, err := natsconn.MsgIDKey(natsconn.Settings{URL: "nats://h:4222", MsgIDKey: k})
		require.ErrorIs(t, err, natsconn.ErrMsgIDKey, "%q", k)
		require.Contains(t, err.Error(), "64 hex digits")
		require.NotContains(t, err.Error(), "s3")
	}
	key, err := natsconn.MsgIDKey(natsconn.Settings{URL: "nats://h:4222", MsgIDKey: strings.Repeat("AB", 40)})
	require.NoError(t, err)
	require.Equal(t, bytes.Repeat([]byte{0xab}, 40), key, "longer keys and upper-case digits are fine")
}

// runOperator starts a server in operator (JWT) mode and writes the
// .creds file of one of its users.
func runOperator(t *testing.T) (url, credsFile string) {
	t.Helper()
	okp, err := nkeys.CreateOperator()
	require.NoError(t, err)
	opub, err := okp.PublicKey()
	require.NoError(t, err)
	oc := jwt.NewOperatorClaims(opub)
	_, err = oc.Encode(okp)
	require.NoError(t, err)

	akp, err := nkeys.CreateAccount()
	require.NoError(t, err)
	apub, err := akp.PublicKey()
	require.NoError(t, err)
	ajwt, err := jwt.NewAccountClaims(apub).Encode(okp)
	require.NoError(t, err)

	ukp, err := nkeys.CreateUser()
	require.NoError(t, err)
	upub, err := ukp.PublicKey()
	require.NoError(t, err)
	ujwt, err := jwt.NewUserClaims(upub).Encode(akp)
	require.NoError(t, err)
	seed, err := ukp.Seed()
	require.NoError(t, err)
	creds, err := jwt.FormatUserConfig(ujwt, seed)
	require.NoError(t, err)
	credsFile = filepath.Join(t.TempDir(), "fbsessiond.creds")
	require.NoError(t, os.WriteFile(credsFile, creds, 0o600))

	resolver := &server.MemAccResolver{}
	require.NoError(t, resolver.Store(apub, ajwt))
	ns := run(t, &server.Options{TrustedOperators: []*jwt.OperatorClaims{oc}, AccountResolver: resolver})
	return ns.ClientURL(), credsFile
}
