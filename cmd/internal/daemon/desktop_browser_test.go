package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/messenger/fakegraph"
	"github.com/fbsession/fbsession/messenger/graph"
	"github.com/fbsession/fbsession/projections/inbox"
	"github.com/fbsession/fbsession/transport/desktop"
)

// The browser test's Page, its queue, the app's secret and the customer.
const (
	bPage     = "830180563704433"
	bQueue    = "Social.Media"
	bSecret   = "browser-test-app-secret"
	bCustomer = "psid-browser-1"
	// The supervisor's page shows each change within this bound (a
	// functional bound: the page is told over CometD and reads again
	// 200 ms later, not a benchmark).
	liveBound = time.Second
)

// browserRig is an fbsessiond with the Messenger connector on, whose
// Graph API is a fake the test reads, and the customer's side of it.
type browserRig struct {
	*service
	fake *fakegraph.Fake
}

func startBrowserRig(t *testing.T) *browserRig {
	t.Helper()
	fake := fakegraph.New(fakegraph.Config{Logger: discardLogger(),
		Profiles: map[string]graph.Profile{bCustomer: {ID: bCustomer, FirstName: "Vitaliy", LastName: "Onv"}}})
	g := httptest.NewServer(fake)
	t.Cleanup(g.Close)
	cfg := testConfig(t, "")
	cfg.Messenger = config.Messenger{PagesFile: "(the test's)", Pages: []inbox.Page{{ID: bPage, Token: "PAGE_TOKEN", Queue: bQueue}},
		AppSecret: []byte(bSecret), VerifyToken: "browser-test", GraphURL: g.URL + "/v21.0", RelayGrace: time.Second}
	s := startService(t, cfg, discardLogger())
	r := &browserRig{service: s, fake: fake}
	for _, u := range []struct{ id, name, password string }{{"a1", "agent1", "correct horse"}, {"a2", "agent2", "battery staple"}} {
		s.cli("", u.password+"\n", "users", "add", u.id, "--name", u.name, "--role", "agent", "--feature", "api-multimedia", "--password-stdin")
	}
	s.cli("", "super secret\n", "users", "add", "sup", "--name", "super", "--role", "supervisor",
		"--feature", "api-multimedia", "--feature", "api-supervisor-agent-control", "--password-stdin")
	s.cli("", "", "queues", "add", bQueue)
	s.cli("", "", "queues", "members", "add", bQueue, "a1")
	// A queue of agent 2's, for the pages' queue lists.
	s.cli("", "", "queues", "add", "Escalations")
	s.cli("", "", "queues", "members", "add", "Escalations", "a2")
	return r
}

// customerWrites posts a customer's text message as Meta delivers it,
// signed.
func (r *browserRig) customerWrites(t *testing.T, mid, text string) {
	t.Helper()
	now := time.Now().UnixMilli()
	r.deliver(t, map[string]any{"sender": map[string]string{"id": bCustomer}, "recipient": map[string]string{"id": bPage},
		"timestamp": now, "message": map[string]string{"mid": mid, "text": text}})
}

// customerReads posts the customer's read receipt of everything so far.
func (r *browserRig) customerReads(t *testing.T) {
	t.Helper()
	now := time.Now().UnixMilli()
	r.deliver(t, map[string]any{"sender": map[string]string{"id": bCustomer}, "recipient": map[string]string{"id": bPage},
		"timestamp": now, "read": map[string]int64{"watermark": now}})
}

func (r *browserRig) deliver(t *testing.T, messaging map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{
		"id": bPage, "time": time.Now().UnixMilli(), "messaging": []any{messaging}}}})
	require.NoError(t, err)
	require.NoError(t, fakegraph.Post(context.Background(), r.base+"/webhooks/messenger", []byte(bSecret), body, true))
}

// get reads path as user (Basic), and decodes the answer into out.
func (r *browserRig) get(t *testing.T, path, user, password string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.base+path, nil)
	require.NoError(t, err)
	req.SetBasicAuth(user, password)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	require.Equal(t, http.StatusOK, res.StatusCode, string(b))
	if out != nil {
		require.NoError(t, json.Unmarshal(b, out), string(b))
	}
}

// channelState is agent1's facebooksession state and reason, by the API.
func (r *browserRig) channelState(t *testing.T) string {
	t.Helper()
	var body struct {
		Channels []struct {
			UserState struct{ State, ReasonCode string } `json:"userState"`
		} `json:"channels"`
	}
	r.get(t, "/api/v2/me/channels", "agent1", "correct horse", &body)
	require.Len(t, body.Channels, 1)
	return body.Channels[0].UserState.State + "/" + body.Channels[0].UserState.ReasonCode
}

// TestDesktopInBrowser runs both pages in Debian's chromium against a
// real fbsessiond: two agents and a supervisor, each in a browser
// context of their own (their own cookies). A customer writes through
// the Messenger webhook; agent 1 accepts, replies (the fake Graph API
// gets the send), transfers to agent 2, who completes; the supervisor's
// page shows each change within a second. Along the way: the websocket
// transport with the cookie and no credentials in the URL, a customer's
// <img onerror> shown as text, the CSRF token and the Origin checked, a
// page of another origin unable to use the cookie, the CSP blocking
// injected inline script, and axe-core finding no violation on any page.
// Not parallel: the one-second bounds are the page's, not a crowded
// machine's.
func TestDesktopInBrowser(t *testing.T) {
	axe := axeSource(t)
	browser := startBrowser(t)
	r := startBrowserRig(t)
	shots := screenshotDir(t)

	// The pages' headers, as served on the API's port.
	for _, p := range []string{"/desktop/", "/supervisor/", "/desktop/app.js"} {
		res, err := http.Get(r.base + p)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, p)
		require.Equal(t, desktop.ContentSecurityPolicy, res.Header.Get("Content-Security-Policy"), p)
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), p)
	}

	agent1 := newPage(t, browser, "agent1")
	agent2 := newPage(t, browser, "agent2")
	sup := newPage(t, browser, "supervisor")
	for _, p := range []*page{agent1, agent2, sup} {
		p.watchConsole()
	}

	// The sign-in form passes axe too.
	agent2.do(chromedp.Navigate(r.base+"/desktop/"), chromedp.WaitVisible(chromedp.ID("signin-form")))
	require.Empty(t, agent2.axe(axe), "axe on the sign-in form")

	agent1.signIn(r.base+"/desktop", "agent1", "correct horse")
	agent2.signIn(r.base+"/desktop/", "agent2", "battery staple")
	sup.signIn(r.base+"/supervisor/", "super", "super secret")

	r.checkWebsockets(t, agent1, agent2, sup)

	// Agent 1 starts their session and stays Not ready: the customer's
	// first message waits in the queue, and the supervisor sees it wait.
	agent1.click("#start-session")
	agent1.waitFor(5*time.Second, "NotReady", `document.getElementById("channel-state").dataset.state === "NotReady"`)
	agent2.click("#start-session")
	agent2.waitFor(5*time.Second, "NotReady", `document.getElementById("channel-state").dataset.state === "NotReady"`)
	agent2.click("#ready")
	agent2.waitFor(5*time.Second, "Ready", `document.getElementById("channel-state").dataset.state === "Ready"`)
	sup.waitFor(liveBound, "agent 2 Ready", `document.querySelector('#agents tr[data-agent="a2"]')?.dataset.state === "Ready"`)

	r.customerWrites(t, "m_first", "Hello, my order never came")
	r.waitQueued(t, 1)
	sup.waitFor(liveBound, "one waiting", `document.querySelector('#queues tr[data-queue="Social.Media"] .waiting')?.textContent === "1"`)

	// Ready: the router offers it to agent 1, with the customer's name
	// and first message.
	agent1.click("#ready")
	agent1.waitFor(10*time.Second, "the offer", `document.querySelector("#offers li[data-session-id]")`)
	var id string
	agent1.eval(`document.querySelector("#offers li[data-session-id]").dataset.sessionId`, &id)
	offer := fmt.Sprintf(`#offers li[data-session-id=%q]`, id)
	agent1.waitFor(5*time.Second, "the first message", fmt.Sprintf(`document.querySelector('%s .first')?.textContent === "Hello, my order never came"`, offer))
	require.Equal(t, "Vitaliy Onv", agent1.text(offer+" .customer"))
	row := fmt.Sprintf(`document.querySelector('#sessions tr[data-session-id=%q]')`, id)
	sup.waitFor(liveBound, "the offer to agent 1", row+`?.dataset.state === "Invited" && `+row+`.dataset.agent === "a1"`)
	sup.waitFor(liveBound, "none waiting", `document.querySelector('#queues tr[data-queue="Social.Media"] .waiting')?.textContent === "0"`)

	// Accept and reply: the reply reaches the customer's side.
	agent1.click(offer + ` button[data-op="Accept"]`)
	agent1.waitFor(5*time.Second, "the chat", fmt.Sprintf(`document.getElementById("chat").dataset.sessionId === %q && document.getElementById("chat").dataset.state === "Chatting"`, id))
	agent1.waitFor(5*time.Second, "the transcript", said("Hello, my order never came"))
	sup.waitFor(liveBound, "Chatting with agent 1", row+`?.dataset.state === "Chatting"`)
	const reply = "Sorry to hear that! Let me look."
	agent1.do(chromedp.SendKeys(chromedp.ID("message"), reply), chromedp.Click(chromedp.ID("send")))
	agent1.waitFor(5*time.Second, "the reply", said(reply))
	r.waitSent(t, reply)
	// The customer's Messenger read it: the page marks it read.
	r.customerReads(t)
	agent1.waitFor(10*time.Second, "read", said(reply)+`?.closest("li")?.querySelector(".receipt")?.dataset.receipt === "Read"`)

	// A customer's markup is text: no element, no handler run.
	const xss = `<img src=x onerror="window.__xss=(window.__xss||0)+1">`
	r.customerWrites(t, "m_xss", xss)
	agent1.waitFor(10*time.Second, "the markup as text", said(xss))
	var got struct {
		Images int  `json:"images"`
		Ran    bool `json:"ran"`
	}
	agent1.eval(`new Promise(r => setTimeout(() => r({images: document.querySelectorAll("#transcript img, #main img").length, ran: window.__xss !== undefined}), 300))`, &got)
	require.Zero(t, got.Images, "an <img> was made of the customer's text")
	require.False(t, got.Ran, "the customer's onerror ran")
	t.Logf("XSS probe: %s shown as text, %d img elements, handler ran: %v", xss, got.Images, got.Ran)

	r.checkCSP(t, agent1)
	r.checkCSRF(t, agent1)
	r.checkOtherOrigin(t, agent1)

	require.Empty(t, agent1.axe(axe), "axe on agent 1's desktop, chatting")
	agent1.screenshot(shots, "desktop-agent1.png")

	// Transfer to agent 2, whose page shows the offer; the supervisor
	// sees it move.
	agent1.do(chromedp.SendKeys(chromedp.ID("transfer-agent"), "a2"), chromedp.Click(chromedp.ID("transfer")))
	agent1.waitFor(5*time.Second, "the chat gone", `document.getElementById("chat").hidden && !document.querySelector("#sessions li[data-session-id]")`)
	agent2.waitFor(5*time.Second, "the offer", fmt.Sprintf(`document.querySelector('#offers li[data-session-id=%q]')`, id))
	require.Equal(t, "Vitaliy Onv", agent2.text(offer+" .customer"))
	sup.waitFor(liveBound, "the offer to agent 2", row+`?.dataset.state === "Invited" && `+row+`.dataset.agent === "a2"`)
	require.Empty(t, agent2.axe(axe), "axe on agent 2's desktop, with an offer")

	agent2.click(offer + ` button[data-op="Accept"]`)
	agent2.waitFor(5*time.Second, "the chat", fmt.Sprintf(`document.getElementById("chat").dataset.sessionId === %q && document.getElementById("chat").dataset.state === "Chatting"`, id))
	agent2.waitFor(5*time.Second, "the whole transcript", said("Hello, my order never came")+" && "+said(reply)+" && "+said(xss))
	sup.waitFor(liveBound, "Chatting with agent 2", row+`?.dataset.state === "Chatting" && `+row+`.dataset.agent === "a2"`)
	sup.click(fmt.Sprintf(`#sessions tr[data-session-id=%q] button`, id))
	sup.waitFor(5*time.Second, "the transcript", said("Hello, my order never came")+" && "+said(reply)+" && "+said(xss))
	require.Zero(t, countImages(t, sup), "the supervisor's transcript made an <img>")
	require.Empty(t, sup.axe(axe), "axe on the supervisor's page, with a transcript")
	agent2.screenshot(shots, "desktop-agent2.png")
	sup.screenshot(shots, "supervisor.png")

	// Agent 2 completes: gone from their desk and from the live sessions.
	agent2.click("#complete")
	agent2.waitFor(5*time.Second, "the chat gone", `document.getElementById("chat").hidden`)
	sup.waitFor(liveBound, "the session gone", "!"+row)

	// The supervisor sets agent 2 Not ready, with a reason: both pages
	// show it.
	sup.do(chromedp.SendKeys(chromedp.ID("control-reason"), "Coaching"))
	sup.click(`#agents tr[data-agent="a2"] button[data-op="NotReady"]`)
	sup.waitFor(liveBound, "agent 2 Not ready", `document.querySelector('#agents tr[data-agent="a2"]')?.dataset.state === "NotReady"`)
	agent2.waitFor(5*time.Second, "Not ready (Coaching)", `document.getElementById("channel-state").dataset.state === "NotReady" && document.getElementById("channel-state").textContent.includes("Coaching")`)

	// Where no websocket gets through (a proxy refusing upgrades), the
	// page falls back to long-polling, with the cookie and the CSRF
	// token, reads its state again, and stays live.
	lp := newPage(t, browser, "agent2 (long-polling)")
	lp.watchConsole()
	lp.refuseWebsockets()
	lp.signIn(r.base+"/desktop/", "agent2", "battery staple")
	var transport string
	lp.eval(`document.body.dataset.transport`, &transport)
	require.Equal(t, "long-polling", transport, "the fallback's transport")
	lp.waitFor(5*time.Second, "Not ready (Coaching), read again", `document.getElementById("channel-state").textContent.includes("Coaching")`)
	sup.click(`#agents tr[data-agent="a2"] button[data-op="Ready"]`)
	lp.waitFor(5*time.Second, "Ready, over long-polling", `document.getElementById("channel-state").dataset.state === "Ready"`)

	for _, p := range []*page{agent1, agent2, sup, lp} {
		p.noExceptions()
	}

	// Sign out: the cookie's session ends, and the page asks again.
	agent2.click("#sign-out")
	agent2.waitFor(5*time.Second, "the sign-in form", `!document.getElementById("signin").hidden`)
	agent2.do(chromedp.Reload())
	agent2.waitFor(5*time.Second, "the sign-in form after a reload", `!document.getElementById("signin").hidden && document.getElementById("workspace").hidden`)
}

// said is a script finding the transcript's message of text (its .text
// element), or null.
func said(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#transcript li .text")].find(e => e.textContent === %q)`, text)
}

func countImages(t *testing.T, p *page) int {
	t.Helper()
	var n int
	p.eval(`document.querySelectorAll("#main img").length`, &n)
	return n
}

// waitQueued waits until the API counts n sessions waiting in bQueue.
func (r *browserRig) waitQueued(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var body struct {
			Queue struct{ Waiting int } `json:"queue"`
		}
		r.get(t, "/api/v2/queues/"+bQueue, "super", "super secret", &body)
		if body.Queue.Waiting == n {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d waiting, not %d", body.Queue.Waiting, n)
		time.Sleep(20 * time.Millisecond)
	}
}

// waitSent waits until the fake Graph API took a message with text.
func (r *browserRig) waitSent(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, s := range r.fake.Sends() {
			var body struct {
				Recipient struct{ ID string }    `json:"recipient"`
				Message   *struct{ Text string } `json:"message"`
			}
			require.NoError(t, json.Unmarshal(s.Body, &body))
			if body.Message != nil && body.Message.Text == text && s.MessageID != "" {
				require.Equal(t, bCustomer, body.Recipient.ID)
				t.Logf("the reply reached the customer's side: %s", s.Body)
				return
			}
		}
		require.True(t, time.Now().Before(deadline), "no send of %q: %d sends", text, len(r.fake.Sends()))
		time.Sleep(20 * time.Millisecond)
	}
}
