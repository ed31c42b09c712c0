// Package seedfixtures holds the samples of the GWS API page the service
// implements, as JSON for tests: copies of the project's shared fixtures,
// kept in the module so that a clone alone runs every test.
//
//   - seed-notification.json: the page's notification sample (its Python
//     None written as null; some values keep the page's formatting
//     artifacts, so compare keys, nesting and types, not those values).
//   - intake-seed.json: an intake body creating the seed's session for agent
//     a1; completing it must notify in the shape of seed-notification.json.
package seedfixtures

import (
	"bytes"
	_ "embed"
	"os"
	"path/filepath"
	"testing"
)

var (
	//go:embed intake-seed.json
	intakeSeed []byte
	//go:embed seed-notification.json
	seedNotification []byte
)

// IntakeSeed is the intake body of the seed's session.
func IntakeSeed() []byte { return clone(intakeSeed) }

// SeedNotification is the seed page's notification sample.
func SeedNotification() []byte { return clone(seedNotification) }

// ChattingIntakeSeedFile writes the intake body to a file of the test's,
// for commands that take a path, handing the session over already joined
// ("state":"Chatting"), so that it can be completed at once.
func ChattingIntakeSeedFile(t testing.TB) string {
	t.Helper()
	body := append([]byte(`{"state":"Chatting",`), bytes.TrimPrefix(bytes.TrimSpace(intakeSeed), []byte("{"))...)
	path := filepath.Join(t.TempDir(), "intake-chatting.json")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
