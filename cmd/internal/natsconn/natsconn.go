// Package natsconn turns the configured NATS credentials into connection
// options, for fbsessiond and fbsessionctl alike, and keeps the secrets
// of NATS URLs out of logs and errors.
package natsconn

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nats-io/nats.go"
)

// Settings are the NATS connection settings of the configuration.
type Settings struct {
	// URL is an external server; empty means the in-process server of
	// DataDir, whose credentials fbsessiond generated there.
	URL     string
	DataDir string
	// At most one way to authenticate to an external server, besides
	// credentials in URL: a .creds file (JWT and NKey seed), a user and
	// password, or a token.
	Creds    string
	User     string
	Password string
	Token    string
	// MsgIDKey keys the notifications' message ids, in hex (at least
	// MinMsgIDKeyBytes once decoded); empty means the in-process server's
	// generated key, or none with an external server.
	MsgIDKey string
}

// Role selects the user of the in-process server.
type Role int

const (
	// Publisher may publish and manage the stream: fbsessiond, replay.
	Publisher Role = iota
	// Subscriber may only subscribe to the notifications: watch.
	Subscriber
)

// Options returns the options that authenticate as s says, to the
// in-process server as role; none when its credentials file is missing.
func Options(s Settings, role Role) ([]nats.Option, error) {
	if s.URL == "" {
		if s.Creds != "" || s.User != "" || s.Password != "" || s.Token != "" {
			return nil, errors.New("NATS_CREDS, NATS_USER, NATS_PASSWORD and NATS_TOKEN are for an external server (NATS_URL); " +
				"the in-process server uses the credentials it generated in the data directory")
		}
		e, err := ReadEmbedded(s.DataDir)
		if errors.Is(err, fs.ErrNotExist) {
			// Not fbsessiond's data directory, or not yet: try without,
			// and Dial says where it looked if the server wants some.
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		u := e.Publisher
		if role == Subscriber {
			u = e.Subscriber
		}
		return []nats.Option{nats.UserInfo(u.Name, u.Password)}, nil
	}
	ways := 0
	for _, set := range []bool{hasUserinfo(s.URL), s.Creds != "", s.User != "" || s.Password != "", s.Token != ""} {
		if set {
			ways++
		}
	}
	if ways > 1 {
		return nil, errors.New("NATS credentials given more than one way: set only one of NATS_URL's user:password@, NATS_CREDS, NATS_USER and NATS_PASSWORD, NATS_TOKEN")
	}
	switch {
	case s.Creds != "":
		// nats.go reads it only when connecting, in the background when
		// retrying: say now if it cannot.
		f, err := os.Open(s.Creds)
		if err != nil {
			return nil, fmt.Errorf("NATS_CREDS: %w", err)
		}
		f.Close()
		return []nats.Option{nats.UserCredentials(s.Creds)}, nil
	case s.User != "" || s.Password != "":
		if s.User == "" || s.Password == "" {
			return nil, errors.New("NATS_USER and NATS_PASSWORD go together")
		}
		return []nats.Option{nats.UserInfo(s.User, s.Password)}, nil
	case s.Token != "":
		return []nats.Option{nats.Token(s.Token)}, nil
	}
	return nil, nil
}

// Dial connects to url as s and role say, with opts besides. Its error
// never shows url's secrets, and says where the in-process server's
// credentials were looked for when they were missing.
func Dial(s Settings, role Role, url string, opts ...nats.Option) (*nats.Conn, error) {
	auth, err := Options(s, role)
	if err != nil {
		return nil, err
	}
	nc, err := Connect(url, append(auth, opts...)...)
	if err != nil && s.URL == "" && auth == nil && errors.Is(err, nats.ErrAuthorization) {
		return nil, fmt.Errorf("%w: no credentials in %s; give fbsessiond's data directory (FBSESSION_DATA_DIR, --data-dir), or set NATS_URL",
			err, filepath.Join(s.DataDir, EmbeddedFile))
	}
	return nc, err
}

// Connect connects to url with opts; its error never shows url's secrets.
func Connect(url string, opts ...nats.Option) (*nats.Conn, error) {
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, RedactError(fmt.Errorf("NATS %s: %w", Redact(url), err), url)
	}
	return nc, nil
}

// MinMsgIDKeyBytes is the shortest message-id key accepted: as long as the
// generated one, so that the ids cannot be guessed by trying keys.
const MinMsgIDKeyBytes = 32

// ErrMsgIDKey: FBSESSION_MSGID_KEY is not hex, or too short.
var ErrMsgIDKey = fmt.Errorf("FBSESSION_MSGID_KEY must be at least %d bytes in hex (%d hex digits; openssl rand -hex %d)",
	MinMsgIDKeyBytes, 2*MinMsgIDKeyBytes, MinMsgIDKeyBytes)

// MsgIDKey is the key of the notifications' message ids: s.MsgIDKey
// decoded from hex, as the in-process server's generated one is stored,
// or that one; nil with an external server and no key, which keeps the
// predictable ids.
func MsgIDKey(s Settings) ([]byte, error) {
	if s.MsgIDKey != "" {
		return decodeMsgIDKey(s.MsgIDKey)
	}
	if s.URL != "" {
		return nil, nil
	}
	e, err := ReadEmbedded(s.DataDir)
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(e.MsgIDKey)
}

// decodeMsgIDKey's errors tell what is wrong but never the key, not even
// the bad digit hex's error would quote.
func decodeMsgIDKey(k string) ([]byte, error) {
	key, err := hex.DecodeString(k)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: it is not hex", ErrMsgIDKey)
	case len(key) < MinMsgIDKeyBytes:
		return nil, fmt.Errorf("%w: it is %d bytes", ErrMsgIDKey, len(key))
	}
	return key, nil
}
