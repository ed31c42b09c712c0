// Package cometd serves the notifications of GWS desktops over CometD
// (Bayeux 1.0), as GWS does, at /api/v2/notifications: an existing GWS
// client, such as the official CometD JavaScript client, works against
// fbsession unchanged, while back-end subscribers keep NATS.
//
// The server is an http.Handler speaking the long-polling transport
// (POST, batches of messages, /meta/connect held up to the advised
// timeout) and the websocket transport (github.com/coder/websocket).
// Every request is authenticated with HTTP Basic through the REST API's
// authenticator, and a client id only ever serves the user who made it.
//
// The channel /v2/me/facebooksession carries each notification of the
// user's sessions, and /v2/me/channels those of the user's channel
// states: the server subscribes to the user's NATS subjects
// (gws.Subjects.UserAll) while one of their clients is subscribed, and
// forwards each message's body as the data of a Bayeux message on the
// channel of its subject, to the clients subscribed to it, in NATS
// arrival order. Whichever fbsessiond publishes, any
// fbsessiond may hold the CometD client.
//
// Users with the supervisor role may subscribe to /v2/supervisor/channels
// (every agent's channel states, wrapped with the agent's id) and
// /v2/supervisor/facebooksession (every session's integration-side
// notification): the server holds one pair of NATS subscriptions for
// them while any of its clients is subscribed (supervisor.go). A
// supervisor needs no api-multimedia feature for these alone.
//
// Nothing a client does can grow the process without bound: clients and
// websockets are capped per user and in all, a websocket must handshake
// within seconds, a client that stops connecting expires, and a client
// whose queue of undelivered messages fills, or would take the process
// past its budget of queued bytes, is dropped (it must handshake again
// and re-read its sessions). So are the clients of notifications NATS may
// have lost (a reconnect, NATSReconnected; a slow consumer). Only the
// latest /meta/connect of a client, on whatever connection, is given its
// messages. docs/COMETD.md has the figures and what a client sees.
package cometd
