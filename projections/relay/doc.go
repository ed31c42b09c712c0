// Package relay is the Messenger connector's outbound half: a projector of
// the feed that sends the agents' messages on Messenger sessions to the
// customers through the Send API, once each, recording each send's intent
// and outcome as events of the session (docs/MESSENGER.md, "The relay").
package relay
