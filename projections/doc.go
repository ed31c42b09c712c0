// Package projections runs projectors over the global feed of the event
// store: a Runner reads the feed from a durable checkpoint, wakes on
// appends, holds a lease so that one process at a time runs each projector,
// and advances the checkpoint only after its projector has made a page's
// effects durable. A crash between a projector's effects and the
// checkpoint projects the page again, so projectors must tolerate repeats
// (the notifier, in projections/notifier, has JetStream drop them).
package projections
