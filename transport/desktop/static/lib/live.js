// Notifications over CometD with the official client (vendored from npm,
// lib/cometd): websocket first, long-polling when a websocket cannot be
// opened. Both go with the session cookie: the long-polling POSTs carry
// the CSRF token in X-CSRF-TOKEN, the websocket's upgrade the page's own
// Origin, which the server checks (docs/DESKTOP.md).
import { CometD } from "./cometd/cometd.js";

// connect handshakes and subscribes to channels (a map of channel to
// handler of a message's data), again after every new handshake (CometD
// forgets subscriptions then: a restart, a dropped client), and then
// calls onReady, where the page re-reads what it shows: notifications sent
// while it had no client are not delivered again. onRefused is called
// when a handshake fails (the page asks the REST API whether the session
// has ended). It returns the client.
export function connect({ token, channels, onReady, onState, onRefused }) {
  const cometd = new CometD();
  // JSONP would need an injected <script>, which the page's CSP forbids.
  cometd.unregisterTransport("callback-polling");
  cometd.configure({
    url: new URL("/api/v2/notifications", window.location.href).href,
    requestHeaders: { "X-CSRF-TOKEN": token },
    logLevel: "warn",
    maxBackoff: 5000,
  });
  const state = (s) => {
    document.body.dataset.live = s;
    if (onState) onState(s);
  };
  cometd.addListener("/meta/handshake", (m) => {
    if (!m.successful) {
      state("offline");
      if (onRefused) onRefused();
      return;
    }
    const t = cometd.getTransport();
    // The transport in use, for the reader and the browser test.
    document.body.dataset.transport = t ? t.type : "";
    let pending = Object.keys(channels).length;
    cometd.batch(() => {
      for (const [channel, handler] of Object.entries(channels)) {
        cometd.subscribe(channel, (msg) => handler(msg.data, msg.channel), (r) => {
          if (!r.successful) console.warn("subscribe " + channel + ": " + (r.error || "failed"));
          if (--pending === 0) {
            state("connected");
            if (onReady) onReady();
          }
        });
      }
    });
  });
  cometd.addListener("/meta/connect", (m) => {
    if (cometd.isDisconnected()) return;
    if (m.successful) {
      if (document.body.dataset.live !== "connected" && document.body.dataset.live !== "connecting") state("connected");
    } else {
      state("reconnecting");
    }
  });
  state("connecting");
  cometd.handshake();
  return cometd;
}

// disconnect ends the client, if any.
export function disconnect(cometd) {
  if (!cometd) return;
  try {
    cometd.disconnect();
  } catch (e) {
    console.warn("disconnect: " + e);
  }
}
