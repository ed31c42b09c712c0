package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// Debian's chromium, which .ci/run installs; FBSESSION_CHROMIUM names
// another. Never a browser download.
const defaultChromium = "/usr/bin/chromium"

// requireChromium is the browser's path; without one the test is
// skipped, and fails in CI, which must run it.
func requireChromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("FBSESSION_CHROMIUM")
	if path == "" {
		path = defaultChromium
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no browser at %s (apt-get install chromium, as .ci/run does): %v", path, err)
		}
		t.Skipf("no browser at %s: apt-get install chromium", path)
	}
	return path
}

// startBrowser starts a headless chromium for the test; each page it
// opens has a browser context of its own (its own cookies).
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(requireChromium(t)), chromedp.WindowSize(1280, 1000))
	if os.Geteuid() == 0 {
		// Chromium refuses to run its sandbox as root (CI's user).
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	root, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(root), "start chromium")
	return root
}

// page is a tab in a browser context of its own.
type page struct {
	t    *testing.T
	name string
	ctx  context.Context

	mu         sync.Mutex
	exceptions []string
	websockets map[network.RequestID]*websocketSeen
}

// websocketSeen is what the browser's network domain told of one
// websocket of the page.
type websocketSeen struct {
	URL            string
	RequestHeaders map[string]any
	Status         int64
}

func newPage(t *testing.T, browser context.Context, name string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &page{t: t, name: name, ctx: ctx, websockets: map[network.RequestID]*websocketSeen{}}
	require.NoError(t, chromedp.Listen(ctx, p.listen))
	return p
}

// tab opens another tab in the page's browser context: same cookies.
func (p *page) tab(name string) *page {
	ctx, cancel := chromedp.NewContext(p.ctx)
	p.t.Cleanup(cancel)
	q := &page{t: p.t, name: name, ctx: ctx, websockets: map[network.RequestID]*websocketSeen{}}
	require.NoError(p.t, chromedp.Listen(ctx, q.listen))
	return q
}

func (p *page) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventWebSocketCreated:
		p.websockets[ev.RequestID] = &websocketSeen{URL: ev.URL}
	case *network.EventWebSocketWillSendHandshakeRequest:
		if w := p.websockets[ev.RequestID]; w != nil && ev.Request != nil {
			w.RequestHeaders = ev.Request.Headers
		}
	case *network.EventWebSocketHandshakeResponseReceived:
		if w := p.websockets[ev.RequestID]; w != nil && ev.Response != nil {
			w.Status = ev.Response.Status
			if len(ev.Response.RequestHeaders) > 0 {
				w.RequestHeaders = ev.Response.RequestHeaders
			}
		}
	}
}

// watchConsole logs the page's console to the test and keeps its
// uncaught exceptions.
func (p *page) watchConsole() {
	messages := chromedp.Console(p.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			p.t.Logf("%s console %s: %s", p.name, m.Type, m.Text)
			if m.IsException() {
				p.mu.Lock()
				p.exceptions = append(p.exceptions, m.String())
				p.mu.Unlock()
			}
		}
	}()
}

// do runs actions, each call bounded.
func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	require.NoError(p.t, chromedp.Do(ctx, actions...), p.name)
}

// eval runs a script in the page (Runtime.evaluate, which the page's CSP
// does not govern) and decodes its JSON result into out; a promise is
// awaited.
func (p *page) eval(script string, out any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](script, chromedp.EvalAwaitPromise))
	require.NoError(p.t, err, "%s: %s", p.name, script)
	if out != nil {
		require.NoError(p.t, json.Unmarshal(raw, out), "%s: %s", p.name, raw)
	}
}

// truthy tells whether a script's value is true, once.
func (p *page) truthy(script string) bool {
	p.t.Helper()
	var ok bool
	p.eval("!!("+script+")", &ok)
	return ok
}

// waitFor polls script in the page until it is true, for at most
// within. chromedp's Poll builds its predicate with new Function, which
// the pages' CSP (no 'unsafe-eval') refuses, so the polling is here.
func (p *page) waitFor(within time.Duration, what, script string) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if p.truthy(script) {
			return
		}
		if time.Now().After(deadline) {
			var body string
			p.eval(`document.body ? document.body.innerText.slice(0, 3000) : ""`, &body)
			p.t.Fatalf("%s: %s not within %s (%s)\npage text:\n%s", p.name, what, within, script, body)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// text is the textContent of the first element matching css, "" if none.
func (p *page) text(css string) string {
	p.t.Helper()
	var s string
	p.eval(fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, css), &s)
	return s
}

// signIn opens url and signs in with the page's form.
func (p *page) signIn(url, user, password string) {
	p.t.Helper()
	p.do(chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("signin-form")))
	p.do(
		chromedp.SendKeys(chromedp.ID("user"), user),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")),
	)
	p.waitFor(10*time.Second, "signed in", `!document.getElementById("workspace").hidden`)
	p.waitFor(20*time.Second, "CometD subscribed", `document.body.dataset.live === "connected"`)
}

// refuseWebsockets makes every websocket the page opens fail its
// upgrade, as behind a proxy that does not pass them: the page's
// WebSocket asks for a path the server answers 404. (The browser's
// blocked URLs do not cover websockets.)
func (p *page) refuseWebsockets() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	require.NoError(p.t, chromedp.Do(ctx))
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.WebSocket = class extends window.WebSocket {
			constructor(url, protocols) { super(String(url).replace("/api/v2/notifications", "/no-websockets-here"), protocols); }
		};`})
	require.NoError(p.t, err)
}

// click clicks the element matching css.
func (p *page) click(css string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(css)))
}

// noExceptions: the page's scripts threw nothing uncaught.
func (p *page) noExceptions() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Empty(p.t, p.exceptions, p.name)
}

// axe runs axe-core (tools/desktop, pinned) on the page as it is and
// returns its violations, by rule, with the elements.
func (p *page) axe(source string) map[string][]string {
	p.t.Helper()
	p.eval(source+";true", nil)
	var violations []struct {
		ID    string `json:"id"`
		Nodes []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	}
	p.eval(`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, &violations)
	out := map[string][]string{}
	for _, v := range violations {
		for _, n := range v.Nodes {
			out[v.ID] = append(out[v.ID], fmt.Sprint(n.Target...))
		}
	}
	return out
}

// screenshot writes the page as a PNG to docs/screenshots when
// FBSESSION_UPDATE_SCREENSHOTS=1, else to the test's temporary folder.
func (p *page) screenshot(dir, name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(p.t, err)
	path := filepath.Join(dir, name)
	require.NoError(p.t, os.WriteFile(path, png, 0o644))
	p.t.Logf("screenshot %s", path)
}

func screenshotDir(t *testing.T) string {
	if os.Getenv("FBSESSION_UPDATE_SCREENSHOTS") == "1" {
		dir := filepath.Join("..", "..", "..", "docs", "screenshots")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	return t.TempDir()
}

// axeSource is axe-core's script, pinned in tools/desktop (npm ci there).
func axeSource(t *testing.T) string {
	t.Helper()
	path := filepath.Join("..", "..", "..", "tools", "desktop", "node_modules", "axe-core", "axe.min.js")
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (npm ci in tools/desktop, as .ci/run does)", path, err)
		}
		t.Skipf("%s: %v (npm ci in tools/desktop)", path, err)
	}
	return string(b)
}

// headerValue reads a header of the network domain's map, whatever its
// case.
func headerValue(h map[string]any, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}
