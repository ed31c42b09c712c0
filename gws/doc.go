// Package gws is the wire of the GWS Facebook Private Messaging API: the
// facebooksession resource as clients see it, its uri and the selection of
// its fields, the bodies of intake and of the operations on a session, the
// transcript's messages, and the body and subject of its notifications. The REST API and the notifier both speak
// it, so that a GET and a notification never disagree on a session's shape.
// The contract is docs/API.md.
package gws
