// Package cometdtest runs the official CometD JavaScript client (npm
// cometd with cometd-nodejs-client, pinned in ../testdata/client) in
// Node, for tests against a real server. Without node or the packages it
// skips the test, except under CI, where it fails it: `npm ci` in that
// folder installs them (.ci/run does).
package cometdtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Event is one line the client printed: a handshake, subscribe or
// connect reply as its listeners saw it, or a message of the channel.
type Event struct {
	Event      string          `json:"event"` // handshake, subscribe, connect, message, disconnected
	Successful bool            `json:"successful"`
	Error      string          `json:"error"`
	ClientID   string          `json:"clientId"`
	Transport  string          `json:"transport"`
	Failure    string          `json:"failure"`
	Channel    string          `json:"channel"`
	Data       json.RawMessage `json:"data"`
}

// Client is a running client.
type Client struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan Event
	exited chan struct{}

	mu     sync.Mutex
	stderr bytes.Buffer
}

// Dir is the folder of the client's script and packages.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "client")
}

// Require skips t, or fails it under CI, when node or the packages are
// missing.
func Require(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node is not installed"
	default:
		if _, err := os.Stat(filepath.Join(Dir(), "node_modules", "cometd-nodejs-client")); err != nil {
			missing = "the CometD packages are not installed: npm ci in " + Dir()
		}
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return node
}

// Start runs the client against url (http://host/api/v2/notifications)
// as user, with only the transport given ("long-polling" or "websocket"),
// or as a desktop configures it ("default": every transport, and the
// credentials in the Authorization header only).
// With "--once" it gives up after its first failed handshake. It is
// stopped when t ends.
func Start(t testing.TB, url, user, password, transport string, flags ...string) *Client {
	t.Helper()
	node := Require(t)
	args := append([]string{filepath.Join(Dir(), "client.mjs"), url, user, password, transport}, flags...)
	cmd := exec.Command(node, args...)
	cmd.Dir = Dir()
	c := &Client{t: t, cmd: cmd, events: make(chan Event, 1024), exited: make(chan struct{})}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = (*lockedWriter)(c)
	c.stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the CometD client: %v", err)
	}
	go func() {
		defer close(c.exited)
		defer close(c.events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				_, _ = (*lockedWriter)(c).Write(append(sc.Bytes(), '\n'))
				continue
			}
			c.events <- e
		}
		_ = cmd.Wait()
	}()
	t.Cleanup(c.Stop)
	return c
}

// Next is the next event, failing the test if none comes within d.
func (c *Client) Next(d time.Duration) Event {
	c.t.Helper()
	select {
	case e, ok := <-c.events:
		if !ok {
			c.t.Fatalf("the CometD client exited; stderr:\n%s", c.Stderr())
		}
		return e
	case <-time.After(d):
		c.t.Fatalf("no event from the CometD client within %s; stderr:\n%s", d, c.Stderr())
	}
	return Event{}
}

// WaitFor skips events until one matches, failing the test if none does
// within d.
func (c *Client) WaitFor(d time.Duration, match func(Event) bool) Event {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			c.t.Fatalf("no matching event from the CometD client within %s; stderr:\n%s", d, c.Stderr())
		}
		if e := c.Next(left); match(e) {
			return e
		}
	}
}

// Exited tells whether the client has exited, waiting up to d.
func (c *Client) Exited(d time.Duration) bool {
	select {
	case <-c.exited:
		return true
	case <-time.After(d):
		return false
	}
}

// Stop disconnects the client and waits for it to exit.
func (c *Client) Stop() {
	_ = c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// Stderr is what the client wrote to its standard error.
func (c *Client) Stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

type lockedWriter Client

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stderr.Write(p)
}
