package daemon_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// checkWebsockets: each page's CometD runs over a websocket the browser
// opened with its cookie, no credentials in the URL and no Authorization
// header, and the server holds them.
func (r *browserRig) checkWebsockets(t *testing.T, pages ...*page) {
	t.Helper()
	for _, p := range pages {
		p.waitFor(5*time.Second, "the websocket transport", `document.body.dataset.transport === "websocket"`)
		p.mu.Lock()
		var upgraded []*websocketSeen
		for _, w := range p.websockets {
			if w.Status == http.StatusSwitchingProtocols {
				upgraded = append(upgraded, w)
			}
		}
		p.mu.Unlock()
		require.NotEmpty(t, upgraded, "%s: no websocket upgraded", p.name)
		for _, w := range upgraded {
			require.Equal(t, "ws"+strings.TrimPrefix(r.base, "http")+"/api/v2/notifications", w.URL, p.name)
			require.NotContains(t, w.URL, "@", "%s: credentials in the URL", p.name)
			require.Empty(t, headerValue(w.RequestHeaders, "Authorization"), "%s: an Authorization header", p.name)
			require.Contains(t, headerValue(w.RequestHeaders, "Cookie"), "FBSESSIONID=", "%s: the upgrade without the cookie: %v", p.name, w.RequestHeaders)
			require.Equal(t, r.base, headerValue(w.RequestHeaders, "Origin"), p.name)
			t.Logf("%s: websocket %s upgraded (101) with the session cookie, Origin %s, no Authorization", p.name, w.URL, headerValue(w.RequestHeaders, "Origin"))
		}
	}
	require.GreaterOrEqual(t, r.metric(t, "fbsession_cometd_websockets"), float64(len(pages)), "the server's open websockets")
}

// metric reads an unlabelled series of /metrics.
func (r *browserRig) metric(t *testing.T, name string) float64 {
	t.Helper()
	res, err := http.Get(r.base + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err)
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}

// checkCSP: a script element and an on* attribute put into the page do
// not run; the browser reports both to the page as CSP violations.
func (r *browserRig) checkCSP(t *testing.T, p *page) {
	t.Helper()
	var got struct {
		Ran        []string `json:"ran"`
		Violations []string `json:"violations"`
	}
	p.eval(`new Promise(resolve => {
		const ran = [], violations = [];
		window.__inlineRan = (what) => ran.push(what);
		document.addEventListener("securitypolicyviolation", e => violations.push(e.effectiveDirective));
		const s = document.createElement("script");
		s.textContent = "window.__inlineRan('script')";
		document.body.append(s);
		const i = document.createElement("img");
		i.alt = "";
		i.setAttribute("onerror", "window.__inlineRan('onerror')");
		i.addEventListener("error", () => setTimeout(() => { i.remove(); s.remove(); resolve({ran, violations}); }, 100));
		i.src = "data:,broken";
		document.body.append(i);
	})`, &got)
	require.Empty(t, got.Ran, "inline script ran under the CSP")
	require.Contains(t, got.Violations, "script-src-elem", "the injected <script> was refused by the CSP")
	require.Contains(t, got.Violations, "script-src-attr", "the onerror attribute was refused by the CSP")
	t.Logf("CSP probe: injected <script> and onerror= ran: %v; CSP violations reported: %v", got.Ran, got.Violations)
}

// checkCSRF: a cookie-authenticated change without the page's CSRF token,
// with a wrong one, or with the token but another Origin, is refused
// 403/3 and changes nothing; the cookie is HttpOnly, SameSite=Strict and
// a browser-session cookie.
func (r *browserRig) checkCSRF(t *testing.T, p *page) {
	t.Helper()
	before := r.channelState(t)
	for _, token := range []string{"", "not-the-token"} {
		var got struct {
			Status int `json:"status"`
			Body   struct {
				StatusCode    int    `json:"statusCode"`
				StatusMessage string `json:"statusMessage"`
			} `json:"body"`
		}
		p.eval(fmt.Sprintf(`(async () => {
			const headers = {"Content-Type": "application/json"};
			if (%q) headers["X-CSRF-TOKEN"] = %q;
			const r = await fetch("/api/v2/me/channels/facebooksession", {method: "POST", credentials: "same-origin", headers,
				body: JSON.stringify({operationName: "NotReady", reasonCode: "csrf"})});
			return {status: r.status, body: await r.json()};
		})()`, token, token), &got)
		require.Equal(t, http.StatusForbidden, got.Status, "token %q", token)
		require.Equal(t, 3, got.Body.StatusCode)
		require.Equal(t, "Missing or invalid Csrf token", got.Body.StatusMessage)
		t.Logf("CSRF probe (the page's own origin, cookie, X-CSRF-TOKEN %q): %d %+v", token, got.Status, got.Body)
	}

	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{r.base + "/api/v2/me"}})
	require.NoError(t, err)
	var session *network.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == "FBSESSIONID" {
			session = c
		}
	}
	require.NotNil(t, session, "no FBSESSIONID cookie")
	require.True(t, session.HTTPOnly, "HttpOnly")
	require.Equal(t, network.CookieSameSiteStrict, session.SameSite)
	require.True(t, session.Session, "a browser-session cookie")
	require.Equal(t, "/", session.Path)

	// The right token from another origin: the Origin check refuses it.
	cookie := &http.Cookie{Name: session.Name, Value: session.Value}
	req, err := http.NewRequest(http.MethodGet, r.base+"/api/v2/me", nil)
	require.NoError(t, err)
	req.AddCookie(cookie)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	token := res.Header.Get("X-CSRF-TOKEN")
	require.NotEmpty(t, token, "a cookie's GET /api/v2/me gives the token back")
	req, err = http.NewRequest(http.MethodPost, r.base+"/api/v2/me/channels/facebooksession",
		strings.NewReader(`{"operationName":"NotReady","reasonCode":"origin"}`))
	require.NoError(t, err)
	req.AddCookie(cookie)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-TOKEN", token)
	req.Header.Set("Origin", "http://elsewhere.example")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusForbidden, res.StatusCode, string(b))
	require.JSONEq(t, `{"statusCode":3,"statusMessage":"Missing or invalid Csrf token"}`, string(b))
	t.Logf("CSRF probe (cookie, the right token, Origin http://elsewhere.example): %d %s", res.StatusCode, b)
	require.Equal(t, before, r.channelState(t), "a refused request changed the agent's state")
}

// otherOrigin is a page of another origin (another port) that tries to
// use the agent's cookie: a credentialed read, a simple POST, a
// preflighted JSON POST with a guessed token, two cross-site form posts,
// and a websocket to CometD. The browser sends the cookie with all of
// them (127.0.0.1 on another port is the same site: SameSite does not
// stop them; the token and the Origin check do).
const otherOrigin = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>another origin</title></head>
<body>
<iframe name="sink1" title="sink 1"></iframe><iframe name="sink2" title="sink 2"></iframe>
<form id="plain" method="POST" action="{{BASE}}/api/v2/me/channels/facebooksession" enctype="text/plain" target="sink1">
<input name='{"operationName":"NotReady","reasonCode":"evil","x":"' value='"}'>
</form>
<form id="urlencoded" method="POST" action="{{BASE}}/api/v2/me/channels/facebooksession" target="sink2">
<input name="operationName" value="NotReady"><input name="reasonCode" value="evil">
</form>
<script>
window.probes = {};
const base = "{{BASE}}";
const body = JSON.stringify({operationName: "NotReady", reasonCode: "evil"});
(async () => {
  try { const r = await fetch(base + "/api/v2/me", {credentials: "include"}); probes.read = "read " + r.status + " " + (await r.text()); }
  catch (e) { probes.read = "blocked: " + e.name; }
  try { const r = await fetch(base + "/api/v2/me/channels/facebooksession", {method: "POST", mode: "no-cors", credentials: "include", headers: {"Content-Type": "text/plain"}, body}); probes.simplePost = "sent; opaque answer: " + r.type; }
  catch (e) { probes.simplePost = "blocked: " + e.name; }
  try { const r = await fetch(base + "/api/v2/me/channels/facebooksession", {method: "POST", credentials: "include", headers: {"Content-Type": "application/json", "X-CSRF-TOKEN": "guessed"}, body}); probes.jsonPost = "answered " + r.status; }
  catch (e) { probes.jsonPost = "blocked: " + e.name; }
  probes.websocket = await new Promise(resolve => {
    const ws = new WebSocket(base.replace(/^http/, "ws") + "/api/v2/notifications");
    ws.onopen = () => { ws.send(JSON.stringify([{channel: "/meta/handshake", version: "1.0", supportedConnectionTypes: ["websocket"]}])); };
    ws.onmessage = (m) => { resolve("open, answered " + m.data); ws.close(); };
    ws.onclose = (e) => resolve("closed before opening (" + e.code + ")");
    setTimeout(() => resolve("timeout"), 5000);
  });
  const loads = [];
  for (const [form, sink] of [["plain", "sink1"], ["urlencoded", "sink2"]]) {
    loads.push(new Promise(resolve => { document.querySelector("iframe[name=" + sink + "]").onload = () => resolve(form + " posted"); setTimeout(() => resolve(form + " no load"), 5000); }));
    document.getElementById(form).submit();
  }
  probes.forms = (await Promise.all(loads)).join(", ");
  probes.done = true;
})();
</script>
</body></html>`

// checkOtherOrigin: a page of another origin, in agent 1's browser (with
// their cookie), gets nothing read and changes nothing.
func (r *browserRig) checkOtherOrigin(t *testing.T, agent *page) {
	t.Helper()
	before, history := r.channelState(t), r.cli("", "", "history", "--agent", "a1")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, strings.ReplaceAll(otherOrigin, "{{BASE}}", r.base))
	}))
	defer other.Close()
	require.NotEqual(t, r.base, other.URL)
	p := agent.tab("another origin")
	p.do(chromedp.Navigate(other.URL))
	p.waitFor(20*time.Second, "the probes", `window.probes && window.probes.done`)
	var probes map[string]any
	p.eval(`window.probes`, &probes)
	t.Logf("another origin's probes: %v", probes)
	require.Equal(t, "blocked: TypeError", probes["read"], "a credentialed read from another origin")
	require.Equal(t, "blocked: TypeError", probes["jsonPost"], "a preflighted POST from another origin")
	require.Equal(t, "sent; opaque answer: opaque", probes["simplePost"])
	require.Contains(t, probes["websocket"], "closed before opening", "a websocket from another origin")
	require.Equal(t, "plain posted, urlencoded posted", probes["forms"])
	// Nothing changed: the same state, no event in the agent's stream.
	require.Equal(t, before, r.channelState(t))
	require.Equal(t, history, r.cli("", "", "history", "--agent", "a1"))
}
