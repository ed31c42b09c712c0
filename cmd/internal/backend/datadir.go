package backend

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// Modes of what fbsession keeps in the data directory: the events, the
// users' password hashes, the notifications and the NATS credentials are
// for its owner only, whatever the umask.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// LockFile is the name, in the data directory, of the file whose lock
// fbsessiond holds while it runs; it contains the holder's pid.
const LockFile = "fbsessiond.lock"

// prepareDataDir creates dir for its owner only. An existing one open to
// others (fbsessiond used to make it 0750) is closed, with a warning: the
// JetStream store inside it is made group-readable by nats-server.
func prepareDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if mode := info.Mode().Perm(); mode&^dirMode != 0 {
		if err := os.Chmod(dir, dirMode); err != nil {
			log.Warn("data directory is open to other users and cannot be closed", "dir", dir, "mode", mode.String(), "err", err)
			return nil
		}
		log.Warn("data directory was open to other users; now owner-only", "dir", dir, "was", mode.String(), "now", dirMode.String())
	}
	return nil
}

// prepareDBFile creates the SQLite file with mode 0600 before SQLite
// does (it would use 0644 less the umask), so that its WAL and SHM files,
// which SQLite creates with the database's mode, are 0600 too. Existing
// files open to others are closed.
func prepareDBFile(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		if mode := info.Mode().Perm(); mode&^fileMode != 0 {
			if err := os.Chmod(p, fileMode); err != nil {
				return fmt.Errorf("%s is open to other users (%s) and cannot be closed: %w", p, mode, err)
			}
			log.Warn("database file was open to other users; now owner-only", "file", filepath.Base(p), "was", mode.String())
		}
	}
	return nil
}
