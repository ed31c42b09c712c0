// Package messenger is the Messenger Platform as fbsession understands
// it, with no I/O: the webhook's signature, its deliveries parsed into
// typed inbound items, the events a delivery and a thread are recorded
// as, and the thread aggregate (a Page's conversation with one PSID),
// pure Decide and Evolve.
package messenger
