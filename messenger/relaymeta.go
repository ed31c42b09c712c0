package messenger

import (
	"strconv"
	"strings"
)

// metadataPrefix marks the metadata the relay sends with a message, which
// its echo brings back.
const metadataPrefix = "fbsession:"

// RelayMetadata is the metadata the relay sends with message index of a
// session: our message id, "fbsession:<sessionId>:<index>".
func RelayMetadata(sessionID string, index int) string {
	return metadataPrefix + sessionID + ":" + strconv.Itoa(index)
}

// ParseRelayMetadata reads RelayMetadata back; ok false for metadata the
// relay did not write (another app's, or none).
func ParseRelayMetadata(m string) (sessionID string, index int, ok bool) {
	rest, found := strings.CutPrefix(m, metadataPrefix)
	if !found {
		return "", 0, false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return "", 0, false
	}
	index, err := strconv.Atoi(rest[i+1:])
	if err != nil || index < 1 {
		return "", 0, false
	}
	return rest[:i], index, true
}

// OutcomeKey is the idempotency key of the outcome of a session's message
// index: the relay and the inbox (from an echo) record it with the same
// key, so that it is recorded once, by whichever comes first.
func OutcomeKey(index int) string { return "relay:" + strconv.Itoa(index) }
