// Package messenger serves Meta's Messenger Platform webhook: the GET that
// verifies the subscription, and the POST of deliveries, each checked
// against its X-Hub-Signature-256 and stored in the log, as one event of
// a stream of its own, before it is answered 200. What the deliveries say
// is carried out later, by the inbox processor (projections/inbox).
package messenger
