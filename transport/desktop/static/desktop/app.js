// The agent's desktop: sign in, start the contact-center session, Ready
// or Not ready, offers with Accept and Reject, the conversations with
// their transcripts, typing, transfer, user data and Complete. Every
// control of a session is shown only while the session's capabilities
// list its operation (docs/API.md §2): what the API does not have, the
// page does not show.
import { guard, setLive, start } from "./lib/frame.js";
import { connect, disconnect } from "./lib/live.js";
import { $, announce, el, fill, show, time } from "./lib/dom.js";
import { ApiError } from "./lib/api.js";

const me = "/api/v2/me";
const mine = (id) => "/api/v2/me/facebooksessions/" + encodeURIComponent(id);
const messagesOf = (id) => "/api/v2/facebooksessions/" + encodeURIComponent(id) + "/messages";

// What the page holds while signed in.
let api = null;
let cometd = null;
let frame = null;
const sessions = new Map(); // id → the resource, not Completed
const transcripts = new Map(); // id → {messages: Map(index → message), notices: [], loaded}
const firstMessages = new Map(); // id → the customer's first message, for offers
let selected = "";
let typingFor = "";
let typingTimer = 0;
let customerTypingTimer = 0;

frame = start({ role: "", feature: "api-multimedia", enter, leave });

function enter(a) {
  api = a;
  cometd = connect({
    token: api.csrf,
    channels: { "/v2/me/facebooksession": onSessionMessage, "/v2/me/channels": onChannelMessage },
    onReady: reloadAll,
    onState: setLive,
    // A 401 here brings the sign-in form back (Api.onSignedOut).
    onRefused: () => api.get("/api/v2/me").catch(() => {}),
  });
  loadQueues();
}

function leave() {
  disconnect(cometd);
  cometd = null;
  sessions.clear();
  transcripts.clear();
  firstMessages.clear();
  selected = "";
  render();
  renderChannel(null);
}

// reloadAll re-reads what the page shows: after each handshake, since
// what was notified while the page had no CometD client is not sent again.
async function reloadAll() {
  await Promise.all([loadChannels(), loadSessions()]);
  if (selected) loadTranscript(selected);
}

// --- the agent's state ---------------------------------------------------

async function loadChannels() {
  try {
    const body = await api.get(me + "/channels");
    renderChannel(facebookChannel(body.channels));
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) console.warn("channels: " + err.message);
  }
}

function facebookChannel(channels) {
  return (channels || []).find((c) => c.channel === "facebooksession") || null;
}

function onChannelMessage(data) {
  if (!data || !Array.isArray(data.channels)) return;
  const c = facebookChannel(data.channels);
  if (c) renderChannel(c);
}

function renderChannel(c) {
  const s = $("channel-state");
  const u = c && c.userState ? c.userState : { state: "LoggedOut", displayName: "Logged out" };
  s.dataset.state = u.state || "";
  s.textContent = (u.displayName || u.state) + (u.reasonCode ? " (" + u.reasonCode + ")" : "");
  const started = u.state === "Ready" || u.state === "NotReady";
  $("ready").disabled = !started;
  $("not-ready").disabled = !started;
  $("end-session").disabled = !started;
}

$("start-session").addEventListener("click", (ev) =>
  guard(ev.currentTarget, async () => {
    await api.operate(me, "StartContactCenterSession", { channels: ["facebooksession"] });
    await loadChannels();
  }),
);
$("ready").addEventListener("click", (ev) =>
  guard(ev.currentTarget, async () => {
    await api.operate(me + "/channels/facebooksession", "Ready");
    await loadChannels();
  }),
);
$("not-ready-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const reason = $("not-ready-reason").value.trim();
  guard($("not-ready"), async () => {
    await api.operate(me + "/channels/facebooksession", "NotReady", reason ? { reasonCode: reason } : {});
    await loadChannels();
  });
});
$("end-session").addEventListener("click", (ev) =>
  guard(ev.currentTarget, async () => {
    // Made with the cookie, it ends the cookie's session too.
    await api.operate(me, "EndContactCenterSession");
    api.forget();
    frame.signedOut("Contact-center session ended; signed out.");
  }),
);

// --- sessions --------------------------------------------------------------

async function loadSessions() {
  const seen = new Set();
  let after = "";
  // Pages of 100; an agent holds at most their capacity (≤ 100) and the
  // offers on top, so a few pages at most.
  for (let page = 0; page < 20; page++) {
    let body;
    try {
      body = await api.get(me + "/facebooksessions?fields=*" + (after ? "&after=" + encodeURIComponent(after) : ""));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) console.warn("sessions: " + err.message);
      return;
    }
    for (const s of body.facebooksessions || []) {
      seen.add(s.id);
      putSession(s);
    }
    if (!body.nextAfter) break;
    after = body.nextAfter;
  }
  for (const id of [...sessions.keys()]) if (!seen.has(id)) dropSession(id);
  render();
}

// refreshSession reads one session after an operation (read-your-writes:
// the answer already shows it), not waiting for its notification.
async function refreshSession(id) {
  try {
    const body = await api.get(mine(id) + "?fields=*");
    putSession(body.facebooksession);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) dropSession(id);
    else throw err;
  }
  render();
}

function putSession(s) {
  if (!s || !s.id) return;
  if (s.state === "Completed") {
    dropSession(s.id);
    return;
  }
  const before = sessions.get(s.id);
  sessions.set(s.id, s);
  if (s.state === "Invited" && !firstMessages.has(s.id)) loadFirstMessage(s.id);
  if (!before) announce(s.state === "Invited" ? "New offer from " + customerName(s) : "Conversation with " + customerName(s));
}

function dropSession(id) {
  if (!sessions.has(id)) return;
  sessions.delete(id);
  transcripts.delete(id);
  firstMessages.delete(id);
  if (selected === id) {
    selected = "";
    if (typingFor === id) typingFor = "";
    announce("The conversation " + id + " has left your desk.");
  }
}

// openingText is the message that opened the session when intake put it
// in the user data (a Messenger session's _facebookMessageText, GWS's
// Social Engagement key), where the transcript does not hold it.
function openingText(s) {
  const u = (s && s.userData) || {};
  return typeof u._facebookMessageText === "string" ? u._facebookMessageText : "";
}

// loadFirstMessage finds an offer's first message: the opening one, or
// the transcript's first.
async function loadFirstMessage(id) {
  const opening = openingText(sessions.get(id));
  if (opening) {
    firstMessages.set(id, opening);
    renderOffers();
    return;
  }
  firstMessages.set(id, null);
  try {
    const body = await api.get(messagesOf(id) + "?limit=1");
    const m = (body.messages || [])[0];
    firstMessages.set(id, m ? m.text : "");
  } catch {
    firstMessages.set(id, "");
  }
  renderOffers();
}

function onSessionMessage(data) {
  if (!data) return;
  if (data.messageType === "FacebooksessionStateChangeMessage" && data.facebooksession) {
    putSession(data.facebooksession);
    render();
    return;
  }
  if (data.messageType !== "MessageLogUpdated") return;
  const id = idOfUri(data.facebooksessionUri);
  if (!id) return;
  const t = transcripts.get(id);
  for (const m of data.messages || []) {
    switch (m.type) {
      case "Read":
      case "Delivered":
        // The customer's Messenger read (received) the Page's messages up
        // to a time: the transcript says which, per message.
        if (t) loadTranscript(id);
        break;
      case "TypingStarted":
      case "TypingStopped":
        if (m.from && m.from.type === "Customer" && id === selected) customerTyping(m.type === "TypingStarted");
        break;
      case "Notice":
        if (t) t.notices.push(m);
        break;
      default:
        if (t && typeof m.index === "number") t.messages.set(m.index, m);
        if (m.from && m.from.type === "Customer" && id === selected) customerTyping(false);
    }
  }
  // Earlier messages left out of the notification: read them.
  if (data.transcriptUri && t) loadTranscript(id);
  else if (id === selected) renderTranscript();
}

function idOfUri(uri) {
  const m = /\/facebooksessions?\/([A-Za-z0-9_-]{1,64})(?:[/?#]|$)/.exec(String(uri || ""));
  return m ? m[1] : "";
}

function customerName(s) {
  const c = (s.participants || []).find((p) => p.type === "Customer");
  if (c && c.nickname) return c.nickname;
  const u = s.userData || {};
  const full = [u.FirstName, u.LastName].filter((x) => typeof x === "string" && x).join(" ");
  return full || (typeof u._facebookActorName === "string" && u._facebookActorName) || "the customer";
}

function caps(s) {
  return s && Array.isArray(s.capabilities) ? s.capabilities : [];
}

// --- rendering -------------------------------------------------------------

function render() {
  renderOffers();
  renderSessions();
  renderChat();
}

function renderOffers() {
  const offers = [...sessions.values()].filter((s) => s.state === "Invited");
  show($("no-offers"), offers.length === 0);
  fill(
    $("offers"),
    ...offers.map((s) => {
      const name = customerName(s);
      const first = firstMessages.get(s.id);
      return el(
        "li",
        { class: "offer", data: { sessionId: s.id, state: s.state } },
        el("p", { class: "customer", text: name }),
        el("blockquote", { class: "first", aria: { label: "First message" } }, first === null || first === undefined ? "…" : first),
        el(
          "div",
          { class: "row" },
          caps(s).includes("Accept") &&
            el("button", { type: "button", class: "primary", data: { op: "Accept" }, aria: { label: "Accept the offer from " + name }, on: { click: (ev) => accept(ev.currentTarget, s.id) } }, "Accept"),
          caps(s).includes("Reject") &&
            el("button", { type: "button", data: { op: "Reject" }, aria: { label: "Reject the offer from " + name }, on: { click: (ev) => reject(ev.currentTarget, s.id) } }, "Reject"),
        ),
      );
    }),
  );
}

function renderSessions() {
  const chats = [...sessions.values()].filter((s) => s.state !== "Invited");
  show($("no-sessions"), chats.length === 0);
  fill(
    $("sessions"),
    ...chats.map((s) =>
      el(
        "li",
        { data: { sessionId: s.id, state: s.state } },
        el(
          "button",
          { type: "button", class: "session", "aria-current": s.id === selected ? "true" : undefined, on: { click: () => select(s.id) } },
          customerName(s),
          el("span", { class: "muted", text: " " + s.state }),
        ),
      ),
    ),
  );
}

function renderChat() {
  const s = sessions.get(selected);
  show($("chat"), !!s);
  if (!s) return;
  $("chat").dataset.sessionId = s.id;
  $("chat").dataset.state = s.state;
  $("chat-customer").textContent = customerName(s);
  $("chat-id").textContent = s.id;
  $("chat-state").textContent = s.state;
  show($("chat-left"), !(s.participants || []).some((p) => p.type === "Customer"));
  const c = caps(s);
  for (const e of $("chat").querySelectorAll("[data-capability]")) show(e, c.includes(e.dataset.capability));
  renderUserData(s);
  show($("comment-section"), typeof s.comment === "string" && s.comment !== "");
  $("comment").textContent = s.comment || "";
  renderTranscript();
}

function renderUserData(s) {
  const canDelete = caps(s).includes("DeleteUserData");
  const rows = Object.entries(s.userData || {}).map(([k, v]) =>
    el(
      "tr",
      { data: { key: k } },
      el("th", { scope: "row", text: k }),
      el("td", { text: v === null ? "null" : String(v) }),
      canDelete &&
        el("td", {}, el("button", { type: "button", class: "small", aria: { label: "Remove " + k }, on: { click: (ev) => deleteKey(ev.currentTarget, s.id, k) } }, "Remove")),
    ),
  );
  fill($("userdata").tBodies[0], ...rows);
}

function renderTranscript() {
  const t = transcripts.get(selected);
  if (!t) {
    fill($("transcript"));
    return;
  }
  const s = sessions.get(selected);
  const items = [];
  const opening = openingText(s);
  const sorted = [...t.messages.values()].sort((a, b) => a.index - b.index);
  if (opening && !(sorted[0] && sorted[0].index === 1 && sorted[0].text === opening)) {
    const customer = (s.participants || []).find((p) => p.type === "Customer");
    items.push(
      el(
        "li",
        { class: "msg customer", data: { opening: "true", from: "Customer" } },
        el("span", { class: "who", text: customer ? customer.nickname : customerName(s) }),
        " ",
        s.receivedDate ? el("time", { text: time(s.receivedDate) || s.receivedDate }) : null,
        el("p", { class: "text", text: opening }),
      ),
    );
  }
  items.push(...sorted.map(messageItem));
  for (const n of t.notices) items.push(el("li", { class: "msg notice", data: { notice: n.index } }, el("p", { class: "text", text: n.text })));
  fill($("transcript"), ...items);
  const box = $("transcript");
  box.scrollTop = box.scrollHeight;
}

function messageItem(m) {
  const from = m.from || {};
  const agentSide = from.type === "Agent";
  const receipt = agentSide ? m.customerReceipt || "Sent" : "";
  return el(
    "li",
    { class: "msg " + (agentSide ? "mine" : from.type === "Customer" ? "customer" : "system"), data: { index: m.index, from: from.type || "" } },
    el("span", { class: "who", text: from.nickname || from.type || "" }),
    " ",
    el("time", { datetime: m.timestamp, text: time(m.timestamp) }),
    el("p", { class: "text", text: m.text || "" }),
    agentSide && el("span", { class: "receipt", data: { receipt }, text: receipt }),
  );
}

// --- the conversation ---------------------------------------------------

function select(id) {
  if (selected && selected !== id) stopTyping();
  selected = id;
  customerTyping(false);
  render();
  if (!transcripts.has(id)) transcripts.set(id, { messages: new Map(), notices: [], loaded: false });
  loadTranscript(id);
  const s = sessions.get(id);
  // Recorded for reporting: the desktop shows this session.
  if (caps(s).includes("InFocus")) api.operate(mine(id), "InFocus").catch(() => {});
}

async function loadTranscript(id) {
  const t = transcripts.get(id) || { messages: new Map(), notices: [], loaded: false };
  transcripts.set(id, t);
  let after = 0;
  // At most 5,000 messages, 1,000 (or 1 MiB) a page.
  for (let page = 0; page < 50; page++) {
    let body;
    try {
      body = await api.get(messagesOf(id) + "?after=" + after);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return;
      console.warn("transcript: " + err.message);
      return;
    }
    for (const m of body.messages || []) t.messages.set(m.index, m);
    if (!body.nextAfter) break;
    after = body.nextAfter;
  }
  t.loaded = true;
  if (id === selected) renderTranscript();
}

async function accept(button, id) {
  await guard(button, async () => {
    await api.operate(mine(id), "Accept");
    await refreshSession(id);
    select(id);
    $("message").focus();
  });
}

async function reject(button, id) {
  await guard(button, async () => {
    await api.operate(mine(id), "Reject");
    await refreshSession(id);
  });
}

$("compose").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const id = selected;
  const text = $("message").value;
  if (!id || text.trim() === "") return;
  guard($("send"), async () => {
    await api.operate(mine(id), "SendMessage", { text });
    $("message").value = "";
    stopTyping();
    await loadTranscript(id);
  });
});

// Enter sends, Shift+Enter is a new line.
$("message").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    $("compose").requestSubmit();
  }
});

// Typing: started at the first key, stopped after 4 s without one, or at
// the send.
$("message").addEventListener("input", () => {
  const s = sessions.get(selected);
  if (!s || !caps(s).includes("SendStartTypingNotification")) return;
  if (typingFor !== s.id) {
    typingFor = s.id;
    api.operate(mine(s.id), "SendStartTypingNotification").catch(() => {});
  }
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, 4000);
});

function stopTyping() {
  clearTimeout(typingTimer);
  const id = typingFor;
  typingFor = "";
  if (!id) return;
  if (caps(sessions.get(id)).includes("SendStopTypingNotification")) api.operate(mine(id), "SendStopTypingNotification").catch(() => {});
}

function customerTyping(on) {
  show($("customer-typing"), on);
  clearTimeout(customerTypingTimer);
  // A stop that never comes (the customer closed Messenger) ends it.
  if (on) customerTypingTimer = setTimeout(() => show($("customer-typing"), false), 15000);
}

for (const r of document.querySelectorAll("input[name=transfer-kind]")) {
  r.addEventListener("change", () => {
    const toQueue = $("transfer-to-queue").checked;
    show($("transfer-agent-row"), !toQueue);
    show($("transfer-queue-row"), toQueue);
  });
}

$("transfer-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const id = selected;
  if (!id) return;
  const toQueue = $("transfer-to-queue").checked;
  const params = toQueue
    ? { queueName: $("transfer-queue").value }
    : { targetUri: "/api/v2/users/" + encodeURIComponent($("transfer-agent").value.trim()) };
  guard($("transfer"), async () => {
    await api.operate(mine(id), "Transfer", params);
    announce("Transferred " + id);
    await refreshSession(id);
  });
});

$("userdata-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const id = selected;
  const key = $("userdata-key").value;
  if (!id || !key) return;
  guard($("userdata-set"), async () => {
    await api.operate(mine(id), "UpdateUserData", { userData: { [key]: $("userdata-value").value } });
    $("userdata-key").value = "";
    $("userdata-value").value = "";
    await refreshSession(id);
  });
});

function deleteKey(button, id, key) {
  guard(button, async () => {
    await api.operate(mine(id), "DeleteUserData", { keys: [key] });
    await refreshSession(id);
  });
}

$("complete-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const id = selected;
  if (!id) return;
  const queue = $("complete-queue").value;
  guard($("complete"), async () => {
    stopTyping();
    await api.operate(mine(id), "Complete", queue ? { queueName: queue } : {});
    announce("Completed " + id);
    await refreshSession(id);
  });
});

$("leave").addEventListener("click", (ev) => {
  const id = selected;
  if (!id) return;
  guard(ev.currentTarget, async () => {
    stopTyping();
    await api.operate(mine(id), "Leave");
    await refreshSession(id);
  });
});

// The queues a session can be transferred or completed to.
async function loadQueues() {
  let queues = [];
  try {
    queues = (await api.get("/api/v2/queues?fields=id,name")).queues || [];
  } catch (err) {
    console.warn("queues: " + err.message);
  }
  fill($("transfer-queue"), ...queues.map((q) => el("option", { value: q.name, text: q.name })));
  fill($("complete-queue"), el("option", { value: "", text: "close the interaction" }), ...queues.map((q) => el("option", { value: q.name, text: "queue it to " + q.name })));
  $("transfer-to-queue").disabled = queues.length === 0;
}
