// The official CometD JavaScript client in Node, driven by the Go tests
// (transport/cometd/cometdtest): it handshakes with fbsessiond, subscribes
// to /v2/me/facebooksession (or the --channel=NAME given) after every
// successful handshake (CometD
// forgets subscriptions when it handshakes again, after a restart), and
// prints what happens as JSON lines. It disconnects and exits when its
// standard input closes, or after its first failed handshake with --once.
//
//   node client.mjs URL USER PASSWORD long-polling|websocket|default [--once] [--channel=NAME]
//
// Credentials: long-polling sends the Authorization header
// (requestHeaders); the CometD websocket transport takes no headers, so
// they go in the URL's userinfo, which the ws package sends as the same
// Basic header on the upgrade request. "default" is the client as a
// desktop configures it: every transport offered, the URL and the
// Authorization header only.
import { adapt } from "cometd-nodejs-client";
import { CometD } from "cometd";
import { createInterface } from "node:readline";

adapt();

const [url, user, password, transport, ...flags] = process.argv.slice(2);
const once = flags.includes("--once");
const channelFlag = flags.find((f) => f.startsWith("--channel="));
const channel = channelFlag ? channelFlag.slice("--channel=".length) : "/v2/me/facebooksession";
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const cometd = new CometD();
if (transport !== "default") {
  for (const t of cometd.getTransportTypes()) {
    if (t !== transport) cometd.unregisterTransport(t);
  }
}

let endpoint = url;
const requestHeaders = {};
if (transport === "websocket") {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  endpoint = u.toString();
} else {
  requestHeaders.Authorization = "Basic " + Buffer.from(user + ":" + password).toString("base64");
}
cometd.configure({ url: endpoint, requestHeaders, logLevel: "warn", maxBackoff: 2000 });

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  cometd.disconnect(() => {
    out({ event: "disconnected" });
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 2000).unref();
};

cometd.addListener("/meta/handshake", (m) => {
  const t = cometd.getTransport();
  out({
    event: "handshake",
    successful: !!m.successful,
    error: m.error,
    clientId: m.clientId,
    transport: t ? t.type : null,
    advice: m.advice,
    failure: m.failure ? String(m.failure.reason || m.failure.httpCode || "") : undefined,
  });
  if (m.successful) {
    cometd.subscribe(
      channel,
      (msg) => out({ event: "message", channel: msg.channel, data: msg.data }),
      (r) => out({ event: "subscribe", successful: !!r.successful, error: r.error }),
    );
  } else if (once) {
    stop();
  }
});
cometd.addListener("/meta/connect", (m) => {
  out({ event: "connect", successful: !!m.successful, error: m.error });
});

createInterface({ input: process.stdin }).on("close", stop);
cometd.handshake();
