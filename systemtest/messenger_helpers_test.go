package systemtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/messenger/fakegraph"
)

// The Page of the Messenger tests, its queue and the app's secret.
const (
	fbPage   = "830180563704433"
	fbQueue  = "Social.Media"
	fbSecret = "systemtest-app-secret"
)

// messengerRig is an fbsessiond with the Messenger connector on, whose
// Graph API is a fakegraph served by the test, echoing back to the
// webhook as Meta does when cfg.Webhook is asked for.
type messengerRig struct {
	*daemon
	fake  *fakegraph.Fake
	graph *httptest.Server
	// onMessage, when set, is called for each Send API call carrying a
	// message, before the fake sees it. It returns nil, or hold, which
	// is called with the call held back: before the fake when before (the
	// call is then dropped: the send never left), or once the fake
	// answered it 200 (the answer waits). The test can kill fbsessiond in
	// hold, between its intent and its send, or between the send and its
	// answer.
	onMessage func() (hold func(), before bool)
}

// startMessenger starts fbsessiond on dbURL and natsURL with the Page
// fbPage in fbQueue, the relay's grace, and the fake Graph configured as
// fc (its Webhook set to fbsessiond's when echoes), then env.
// onMessage, if not nil, is messengerRig's.
func startMessenger(t *testing.T, bins binaries, dbURL, natsURL string, grace time.Duration, echoes bool, fc fakegraph.Config,
	onMessage func() (func(), bool), env ...string) *messengerRig {
	t.Helper()
	rig := &messengerRig{onMessage: onMessage}
	var fake atomic.Pointer[fakegraph.Fake]
	rig.graph = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := fake.Load()
		if f == nil {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		rig.serveGraph(f, w, r)
	}))
	t.Cleanup(rig.graph.Close)
	pages := filepath.Join(t.TempDir(), "pages.json")
	require.NoError(t, os.WriteFile(pages, []byte(fmt.Sprintf(`[{"id":%q,"token":"PAGE_TOKEN","queue":%q}]`, fbPage, fbQueue)), 0o600))
	rig.daemon = startDaemon(t, bins, dbURL, natsURL, append([]string{
		"FBSESSION_MESSENGER_PAGES=" + pages, "FBSESSION_MESSENGER_APP_SECRET=" + fbSecret,
		"FBSESSION_MESSENGER_VERIFY_TOKEN=systemtest", "FBSESSION_GRAPH_URL=" + rig.graph.URL + "/v21.0",
		"FBSESSION_MESSENGER_RELAY_GRACE=" + grace.String(),
	}, env...)...)
	fc.AppSecret, fc.PageID = []byte(fbSecret), fbPage
	if echoes {
		fc.Webhook = rig.base + "/webhooks/messenger"
	}
	rig.fake = fakegraph.New(fc)
	fake.Store(rig.fake)
	return rig
}

// serveGraph answers a Graph API call with the fake, holding a message
// send back where onMessage says.
func (rig *messengerRig) serveGraph(f *fakegraph.Fake, w http.ResponseWriter, r *http.Request) {
	if rig.onMessage == nil || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/me/messages") {
		f.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct{ Message json.RawMessage }
	if json.Unmarshal(body, &req) != nil || req.Message == nil {
		f.ServeHTTP(w, r) // a sender action
		return
	}
	hold, before := rig.onMessage()
	if hold != nil && before {
		hold()
		http.Error(w, "dropped", http.StatusServiceUnavailable)
		return
	}
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, r)
	if hold != nil && rec.Code == http.StatusOK {
		hold()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// customerWrites posts a customer's text message as Meta delivers it,
// signed; nil once the webhook answered 200.
func (rig *messengerRig) customerWrites(ctx context.Context, psid, mid, text string) error {
	now := time.Now().UnixMilli()
	body, err := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{
		"id": fbPage, "time": now, "messaging": []any{map[string]any{
			"sender": map[string]string{"id": psid}, "recipient": map[string]string{"id": fbPage},
			"timestamp": now, "message": map[string]string{"mid": mid, "text": text}}}}}})
	if err != nil {
		return err
	}
	return fakegraph.Post(ctx, rig.base+"/webhooks/messenger", []byte(fbSecret), body, true)
}

// seedMessengerAgent adds the agent a1 (agent1, "correct horse") as the
// one member of fbQueue, of capacity capacity, and makes them Ready.
func (rig *messengerRig) seedMessengerAgent(t *testing.T, dbURL string, capacity int) {
	t.Helper()
	rig.cli(dbURL, "correct horse\n", "users", "add", "a1", "--name", "agent1", "--role", "agent", "--feature", "api-multimedia", "--password-stdin")
	rig.admin(dbURL, "queues", "add", fbQueue)
	rig.admin(dbURL, "queues", "members", "add", fbQueue, "a1")
	rig.admin(dbURL, "users", "set", "a1", "--capacity", fmt.Sprint(capacity))
	status, body := rig.post("/api/v2/me", "agent1", "correct horse", `{"operationName":"StartContactCenterSession","channels":["facebooksession"]}`)
	require.Equal(t, 200, status, body)
	status, body = rig.post("/api/v2/me/channels/facebooksession", "agent1", "correct horse", `{"operationName":"Ready"}`)
	require.Equal(t, 200, status, body)
}

// openSessions has customers psid-0 … psid-(n-1) write a first message
// each, and agent1 accept the sessions the router offers them; it
// returns the sessions' ids, by customer.
func (rig *messengerRig) openSessions(ctx context.Context, t *testing.T, n int) []string {
	t.Helper()
	for i := range n {
		require.NoError(t, rig.customerWrites(ctx, fmt.Sprintf("psid-%d", i), fmt.Sprintf("m_first_%d", i), fmt.Sprintf("hello from %d", i)))
	}
	byPSID := map[string]string{}
	for len(byPSID) < n {
		require.NoError(t, ctx.Err(), "%d of %d sessions accepted", len(byPSID), n)
		status, body := rig.get("/api/v2/me/facebooksessions?fields=id,state,userData", "agent1", "correct horse")
		require.Equal(t, 200, status, body)
		var list struct {
			Facebooksessions []struct {
				ID, State string
				UserData  map[string]string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(body), &list), body)
		for _, s := range list.Facebooksessions {
			if s.State == "Invited" {
				status, body := rig.post("/api/v2/me/facebooksessions/"+s.ID, "agent1", "correct horse", `{"operationName":"Accept","nickname":"Anna"}`)
				require.Equal(t, 200, status, body)
			}
			byPSID[s.UserData["_facebookActorId"]] = s.ID
		}
		time.Sleep(20 * time.Millisecond)
	}
	ids := make([]string, n)
	for i := range n {
		ids[i] = byPSID[fmt.Sprintf("psid-%d", i)]
		require.NotEmpty(t, ids[i], "psid-%d has a session", i)
	}
	return ids
}
