package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/fbsession/fbsession/messenger/graph"
	"github.com/fbsession/fbsession/projections/inbox"
)

// Messenger configures the Messenger Platform connector. It is off
// without PagesFile.
type Messenger struct {
	// AppSecret signs Meta's deliveries; VerifyToken answers its
	// verification. Both from the environment (or a _FILE) only.
	AppSecret   []byte
	VerifyToken string
	// PagesFile is the JSON list of Pages: [{"id","token","queue"}].
	PagesFile string
	// GraphURL is the Graph API, version included.
	GraphURL string
	// Pages are PagesFile's, read by Validate.
	Pages []inbox.Page
	// RelayGrace is how long a send a crash left unrecorded waits for its
	// echo before the relay sends it again.
	RelayGrace time.Duration

	err error // of the secrets' files, reported by Validate
}

// On tells whether the connector runs.
func (m *Messenger) On() bool { return m.PagesFile != "" }

// registerMessenger adds the connector's settings; its secrets come from
// the environment only.
func (c *Config) registerMessenger(fs *pflag.FlagSet) {
	m := &c.Messenger
	secret, err1 := secretEnv("FBSESSION_MESSENGER_APP_SECRET")
	token, err2 := secretEnv("FBSESSION_MESSENGER_VERIFY_TOKEN")
	m.AppSecret, m.VerifyToken, m.err = []byte(secret), token, errors.Join(err1, err2)
	fs.StringVar(&m.PagesFile, "messenger-pages", env("FBSESSION_MESSENGER_PAGES", ""), `JSON file of the Facebook Pages the Messenger connector serves, [{"id":"PAGE_ID","token":"PAGE_TOKEN","queue":"QUEUE"}]; the connector (and /webhooks/messenger) is off when empty [FBSESSION_MESSENGER_PAGES]`)
	fs.DurationVar(&m.RelayGrace, "messenger-relay-grace", c.envDuration("messenger-relay-grace", "FBSESSION_MESSENGER_RELAY_GRACE", 10*time.Second), "how long the relay waits for the echo of a send a crash left unrecorded before sending it again [FBSESSION_MESSENGER_RELAY_GRACE]")
	fs.StringVar(&m.GraphURL, "graph-url", env("FBSESSION_GRAPH_URL", graph.DefaultURL), "Meta's Graph API, version included; a fake's for tests and demos (fbsessionctl messenger fake-graph) [FBSESSION_GRAPH_URL]")
}

// secretEnv is name's value, or the content of the file NAME_FILE names
// (without its trailing newline); both set is an error. Errors name the
// variable and the file, never the value.
func secretEnv(name string) (string, error) {
	v, file := os.Getenv(name), os.Getenv(name+"_FILE")
	switch {
	case v != "" && file != "":
		return "", fmt.Errorf("%s and %s_FILE are both set: set one", name, name)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return v, nil
}

// validate reads the Pages file and checks it.
func (m *Messenger) validate() error {
	if m.err != nil {
		return m.err
	}
	if !m.On() {
		return nil
	}
	b, err := os.ReadFile(m.PagesFile)
	if err != nil {
		return fmt.Errorf("FBSESSION_MESSENGER_PAGES: %w", err)
	}
	var pages []inbox.Page
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pages); err != nil {
		// The decoder's message quotes no value: the tokens stay out of it.
		return fmt.Errorf("FBSESSION_MESSENGER_PAGES %s: want [{\"id\":\"PAGE_ID\",\"token\":\"PAGE_TOKEN\",\"queue\":\"QUEUE\"}]: %w", m.PagesFile, err)
	}
	if len(pages) == 0 {
		return fmt.Errorf("FBSESSION_MESSENGER_PAGES %s: no Page", m.PagesFile)
	}
	seen := map[string]bool{}
	for i, p := range pages {
		if p.ID == "" || p.Token == "" || p.Queue == "" {
			return fmt.Errorf("FBSESSION_MESSENGER_PAGES %s: Page %d needs an id, a token and a queue", m.PagesFile, i)
		}
		if seen[p.ID] {
			return fmt.Errorf("FBSESSION_MESSENGER_PAGES %s: Page %s is listed twice", m.PagesFile, p.ID)
		}
		seen[p.ID] = true
	}
	if !strings.HasPrefix(m.GraphURL, "http://") && !strings.HasPrefix(m.GraphURL, "https://") {
		return fmt.Errorf("graph-url %q: must be an http(s) URL", m.GraphURL)
	}
	m.Pages = pages
	return nil
}
