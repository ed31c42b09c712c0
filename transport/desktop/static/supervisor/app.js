// The supervisor's overview: the queues with what waits, the agents with
// their channel state and sessions, the live sessions with a transcript,
// and Ready / Not ready for an agent. It re-reads the lists when CometD's
// /v2/supervisor/** says something changed (at most every 200 ms), and
// after each handshake.
import { guard, setLive, start } from "./lib/frame.js";
import { connect, disconnect } from "./lib/live.js";
import { $, duration, el, fill, show, time } from "./lib/dom.js";
import { ApiError, hasFeature } from "./lib/api.js";

const control = "api-supervisor-agent-control";
// How long changes are gathered before the lists are read again: a burst
// of notifications (a queue draining) costs one read.
const debounce = 200;
// The waits grow while nothing is notified: the queues are read again at
// this pace while the page is visible.
const tick = 5000;

let api = null;
let user = null;
let cometd = null;
let pending = 0;
let ticker = 0;
let selected = "";
let agentNames = new Map();

start({ role: "supervisor", feature: "", enter, leave });

function enter(a, u) {
  api = a;
  user = u;
  for (const e of document.querySelectorAll("[data-feature]")) show(e, hasFeature(user, e.dataset.feature));
  cometd = connect({
    token: api.csrf,
    channels: { "/v2/supervisor/**": onChange },
    onReady: reload,
    onState: setLive,
    // A 401 here brings the sign-in form back (Api.onSignedOut).
    onRefused: () => api.get("/api/v2/me").catch(() => {}),
  });
  reload();
  ticker = setInterval(() => {
    if (!document.hidden) loadQueues();
  }, tick);
}

function leave() {
  disconnect(cometd);
  cometd = null;
  clearInterval(ticker);
  clearTimeout(pending);
  pending = 0;
  selected = "";
  fill($("queues").tBodies[0]);
  fill($("agents").tBodies[0]);
  fill($("sessions").tBodies[0]);
  show($("transcript-section"), false);
}

function onChange(data, channel) {
  if (selected && channel === "/v2/supervisor/facebooksession" && namesSession(data, selected)) {
    loadTranscript(selected);
  }
  if (pending) return;
  pending = setTimeout(() => {
    pending = 0;
    reload();
  }, debounce);
}

function namesSession(data, id) {
  if (!data) return false;
  if (data.facebooksession && data.facebooksession.id === id) return true;
  const uri = String(data.facebooksessionUri || "");
  return uri.endsWith("/facebooksessions/" + id);
}

async function reload() {
  await Promise.all([loadQueues(), loadAgents(), loadSessions()]);
  const u = $("updated");
  const now = new Date();
  u.dateTime = now.toISOString();
  u.textContent = now.toLocaleTimeString();
}

async function read(path) {
  try {
    return await api.get(path);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) console.warn(path + ": " + err.message);
    return null;
  }
}

async function loadQueues() {
  const body = await read("/api/v2/queues?fields=*");
  if (!body) return;
  const queues = body.queues || [];
  show($("no-queues"), queues.length === 0);
  fill(
    $("queues").tBodies[0],
    ...queues.map((q) =>
      el(
        "tr",
        { data: { queue: q.name } },
        el("th", { scope: "row", text: q.name }),
        el("td", { class: "waiting num", text: q.waiting }),
        el("td", { class: "oldest num", text: duration(q.oldestWaitSeconds) }),
        el("td", { class: "ready num", text: q.agentsReady }),
        el("td", { class: "busy num", text: q.agentsBusy }),
      ),
    ),
  );
}

function stateOf(a) {
  const c = (a.channels || []).find((x) => x.channel === "facebooksession");
  return c && c.userState ? c.userState : { state: "LoggedOut", displayName: "Logged out" };
}

function displayName(a) {
  const full = [a.firstName, a.lastName].filter(Boolean).join(" ");
  return full ? full + " (" + a.userName + ")" : a.userName;
}

async function loadAgents() {
  const body = await read("/api/v2/agents");
  if (!body) return;
  const agents = body.agents || [];
  agentNames = new Map(agents.map((a) => [a.id, a.userName]));
  const canControl = hasFeature(user, control);
  show($("no-agents"), agents.length === 0);
  fill(
    $("agents").tBodies[0],
    ...agents.map((a) => {
      const s = stateOf(a);
      const name = displayName(a);
      return el(
        "tr",
        { data: { agent: a.id, state: s.state } },
        el("th", { scope: "row", text: name }),
        el("td", { class: "state", data: { state: s.state } }, (s.displayName || s.state) + (s.reasonCode ? " (" + s.reasonCode + ")" : "")),
        el("td", { class: "num", text: a.capacity }),
        el(
          "td",
          { class: "held" },
          ...(a.facebooksessions || []).map((x) =>
            el("span", { class: "chip", data: { sessionId: x.id, state: x.state } }, x.id + " " + x.state + (x.queueName ? " (" + x.queueName + ")" : "")),
          ),
        ),
        canControl &&
          el(
            "td",
            {},
            el(
              "div",
              { class: "row" },
              el("button", { type: "button", class: "small", data: { op: "Ready" }, aria: { label: "Ready: set " + a.userName + " Ready" }, on: { click: (ev) => setState(ev.currentTarget, a.id, "Ready") } }, "Ready"),
            el("button", { type: "button", class: "small", data: { op: "NotReady" }, aria: { label: "Not ready: set " + a.userName + " Not ready" }, on: { click: (ev) => setState(ev.currentTarget, a.id, "NotReady") } }, "Not ready"),
            ),
          ),
      );
    }),
  );
}

function setState(button, id, op) {
  const reason = $("control-reason").value.trim();
  guard(button, async () => {
    await api.operate("/api/v2/users/" + encodeURIComponent(id) + "/channels/facebooksession", op, op === "NotReady" && reason ? { reasonCode: reason } : {});
    await loadAgents();
  });
}

async function loadSessions() {
  const body = await read("/api/v2/facebooksessions");
  if (!body) return;
  const list = body.facebooksessions || [];
  show($("no-sessions"), list.length === 0);
  show($("more-sessions"), !!body.more);
  fill(
    $("sessions").tBodies[0],
    ...list.map((s) =>
      el(
        "tr",
        { data: { sessionId: s.id, state: s.state, agent: s.agentId || "" } },
        el("th", { scope: "row", text: s.id }),
        el("td", { class: "state", text: s.state }),
        el("td", { class: "queue", text: s.queueName || "" }),
        el("td", { class: "agent", text: s.agentId ? agentNames.get(s.agentId) || s.agentId : "" }),
        el("td", {}, el("time", { datetime: s.since, text: time(s.since) })),
        el("td", {}, el("button", { type: "button", class: "small", aria: { label: "Show the transcript of " + s.id }, "aria-pressed": s.id === selected ? "true" : "false", on: { click: () => openTranscript(s.id) } }, "Show")),
      ),
    ),
  );
}

function openTranscript(id) {
  selected = id;
  $("transcript-id").textContent = id;
  show($("transcript-section"));
  loadTranscript(id);
  $("close-transcript").focus();
}

// The reason's field is in a form of its own: Enter there submits
// nothing (the buttons in the table act).
$("control-form").addEventListener("submit", (ev) => ev.preventDefault());

$("close-transcript").addEventListener("click", () => {
  selected = "";
  show($("transcript-section"), false);
  fill($("transcript"));
});

async function loadTranscript(id) {
  // The message that opened the session, when intake kept it in the user
  // data (Messenger's _facebookMessageText) and not in the transcript.
  const session = await read("/api/v2/facebooksessions/" + encodeURIComponent(id) + "?fields=userData,participants,receivedDate");
  const messages = [];
  let after = 0;
  for (let page = 0; page < 50; page++) {
    const body = await read("/api/v2/facebooksessions/" + encodeURIComponent(id) + "/messages?after=" + after);
    if (!body) break;
    messages.push(...(body.messages || []));
    if (!body.nextAfter) break;
    after = body.nextAfter;
  }
  if (id !== selected) return;
  const items = [];
  const s = session && session.facebooksession;
  const opening = s && s.userData && typeof s.userData._facebookMessageText === "string" ? s.userData._facebookMessageText : "";
  if (opening && !(messages[0] && messages[0].index === 1 && messages[0].text === opening)) {
    const customer = (s.participants || []).find((p) => p.type === "Customer");
    items.push(
      el(
        "li",
        { class: "msg customer", data: { opening: "true", from: "Customer" } },
        el("span", { class: "who", text: customer ? customer.nickname : "Customer" }),
        " ",
        s.receivedDate ? el("time", { text: time(s.receivedDate) || s.receivedDate }) : null,
        el("p", { class: "text", text: opening }),
      ),
    );
  }
  for (const m of messages) {
    const from = m.from || {};
    items.push(
      el(
        "li",
        { class: "msg " + (from.type === "Agent" ? "mine" : from.type === "Customer" ? "customer" : "system"), data: { index: m.index, from: from.type || "" } },
        el("span", { class: "who", text: from.nickname || from.type || "" }),
        " ",
        el("time", { datetime: m.timestamp, text: time(m.timestamp) }),
        el("p", { class: "text", text: m.text || "" }),
        m.customerReceipt && el("span", { class: "receipt", data: { receipt: m.customerReceipt }, text: m.customerReceipt }),
      ),
    );
  }
  fill($("transcript"), ...items);
}
