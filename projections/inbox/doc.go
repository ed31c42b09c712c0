// Package inbox is the Messenger connector's inbound side: a projector on
// the global feed that carries out each delivery the webhook stored
// (transport/messenger) through the command side. A customer's message
// starts a session in the Page's queue, or goes to the session the
// customer's thread has open; everything else a delivery holds (echoes,
// reads, delivery receipts, standby events) is recorded in the log by the
// delivery itself. Projected twice, a page does nothing twice: see
// docs/MESSENGER.md, "Deduplication".
package inbox
