package natsconn

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ServerFile is the name, in the data directory, of the record of the
// in-process NATS server that fbsessiond last started there: where it
// listens, and its id, which changes at every start. fbsessionctl watch
// connects there and checks the id, rather than trusting whatever answers
// on the default address (another NATS server, open to anyone, may).
const ServerFile = "nats-server.json"

// EmbeddedServer is what ServerFile holds.
type EmbeddedServer struct {
	URL string `json:"url"`
	ID  string `json:"serverId"`
}

// WriteEmbeddedServer records s in dir, replacing the last record.
func WriteEmbeddedServer(dir string, s EmbeddedServer) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ServerFile+".*")
	if err != nil {
		return fmt.Errorf("record of the in-process NATS server: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("record of the in-process NATS server: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("record of the in-process NATS server: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, ServerFile)); err != nil {
		return fmt.Errorf("record of the in-process NATS server: %w", err)
	}
	return nil
}

// ReadEmbeddedServer reads dir's record; its error wraps fs.ErrNotExist
// when no fbsessiond has started an in-process server there.
func ReadEmbeddedServer(dir string) (EmbeddedServer, error) {
	path := filepath.Join(dir, ServerFile)
	f, err := os.Open(path)
	if err != nil {
		return EmbeddedServer{}, fmt.Errorf("record of the in-process NATS server: %w", err)
	}
	defer f.Close()
	var s EmbeddedServer
	data, err := io.ReadAll(io.LimitReader(f, maxEmbeddedBytes))
	if err == nil {
		err = json.Unmarshal(data, &s)
	}
	if err == nil && (s.URL == "" || s.ID == "") {
		err = errors.New("incomplete")
	}
	if err != nil {
		return EmbeddedServer{}, fmt.Errorf("record of the in-process NATS server, %s: %w", path, err)
	}
	return s, nil
}
