package natsconn

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// EmbeddedFile is the name, in the data directory, of the credentials of
// the in-process NATS server. Only its owner may read it (0600).
const EmbeddedFile = "nats-auth.json"

// maxEmbeddedBytes bounds the read of EmbeddedFile.
const maxEmbeddedBytes = 64 << 10

// User is a NATS user name and password.
type User struct {
	Name     string `json:"user"`
	Password string `json:"password"`
}

// Embedded is what fbsessiond generates at its first start on a data
// directory: the users of its in-process NATS server, and the key of the
// notifications' message ids.
type Embedded struct {
	// Publisher is fbsessiond's own user, and fbsessionctl replay's.
	Publisher User `json:"publisher"`
	// Subscriber may only subscribe to the notifications: fbsessionctl
	// watch.
	Subscriber User `json:"subscriber"`
	// MsgIDKey keys the Nats-Msg-Id of the notifications (hex).
	MsgIDKey string `json:"msgIdKey"`
}

// LoadOrCreateEmbedded reads the credentials of dir's in-process NATS
// server, generating them with crypto/rand on the first start.
func LoadOrCreateEmbedded(dir string) (*Embedded, error) {
	e, err := ReadEmbedded(dir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return e, err
	}
	e = &Embedded{
		Publisher:  User{Name: "fbsessiond", Password: randomHex(24)},
		Subscriber: User{Name: "watch", Password: randomHex(24)},
		MsgIDKey:   randomHex(32),
	}
	if err := writeNew(filepath.Join(dir, EmbeddedFile), e); err != nil {
		return nil, err
	}
	// Another process may have won the race to create it: use its.
	return ReadEmbedded(dir)
}

// ReadEmbedded reads the credentials of dir's in-process NATS server;
// they exist once fbsessiond has run there.
func ReadEmbedded(dir string) (*Embedded, error) {
	path := filepath.Join(dir, EmbeddedFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("credentials of the in-process NATS server: %w", err)
	}
	defer f.Close()
	// The file holds two passwords and a key: a few hundred bytes.
	data, err := io.ReadAll(io.LimitReader(f, maxEmbeddedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("credentials of the in-process NATS server: %w", err)
	}
	if len(data) > maxEmbeddedBytes {
		return nil, fmt.Errorf("credentials of the in-process NATS server, %s: more than %d bytes; remove it to have new ones generated", path, maxEmbeddedBytes)
	}
	var e Embedded
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("credentials of the in-process NATS server, %s: %w", path, err)
	}
	if e.Publisher.Password == "" || e.Subscriber.Password == "" || e.MsgIDKey == "" {
		return nil, fmt.Errorf("credentials of the in-process NATS server, %s: incomplete; remove it to have new ones generated", path)
	}
	return &e, nil
}

// writeNew writes e to path with mode 0600, atomically, and not over an
// existing file.
func writeNew(path string, e *Embedded) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	// CreateTemp makes the file 0600 whatever the umask.
	tmp, err := os.CreateTemp(filepath.Dir(path), EmbeddedFile+".*")
	if err != nil {
		return fmt.Errorf("credentials of the in-process NATS server: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("credentials of the in-process NATS server: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("credentials of the in-process NATS server: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("credentials of the in-process NATS server: %w", err)
	}
	// Link, unlike rename, fails if the file appeared meanwhile.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("credentials of the in-process NATS server: %w", err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b)
}
