package messenger

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// A thread is a Page's conversation with one PSID. Its state is the
// session the thread's messages go to: the last one it opened. Whether
// that session still takes messages is the session's own rule
// (CustomerMessage is refused once the customer left, a Complete without
// a queue closed it, or it is full); the thread only remembers it, and
// where in the feed it was opened, so that an inbox processor projecting
// a page again knows which of its items were carried out already.

// Mark is an item's place in the feed: the delivery event's feed order
// (its commit, then its position: a position alone is not the feed's
// order on PostgreSQL, eventstore.Cursor) and the item's index in it.
type Mark struct {
	Commit   uint64 `json:"commit"`
	Position int64  `json:"position"`
	Item     int    `json:"item"`
}

// Before tells whether m comes before o in the feed.
func (m Mark) Before(o Mark) bool {
	switch {
	case m.Commit != o.Commit:
		return m.Commit < o.Commit
	case m.Position != o.Position:
		return m.Position < o.Position
	}
	return m.Item < o.Item
}

// ThreadSessionOpened records that the thread's messages go to a new
// session, opened by the message Mid at At.
type ThreadSessionOpened struct {
	SessionID string `json:"sessionId"`
	Mid       string `json:"mid"`
	At        Mark   `json:"at"`
}

// Thread is the state of a thread.
type Thread struct {
	SessionID string
	Mid       string
	OpenedAt  Mark
	Version   int64
}

// ErrAlreadyOpened: the thread's session is the one being opened.
var ErrAlreadyOpened = errors.New("messenger: session already opened on the thread")

// Open decides on opening session for the thread at mark.
func (t Thread) Open(sessionID, mid string, at Mark) (ThreadSessionOpened, error) {
	if t.SessionID == sessionID {
		return ThreadSessionOpened{}, ErrAlreadyOpened
	}
	return ThreadSessionOpened{SessionID: sessionID, Mid: mid, At: at}, nil
}

// Evolve folds a stored thread event.
func (t Thread) Evolve(typ string, data []byte, version int64) (Thread, error) {
	switch typ {
	case TypeThreadSessionOpened:
		var e ThreadSessionOpened
		if err := json.Unmarshal(data, &e); err != nil {
			return t, fmt.Errorf("thread event %d: %w", version, err)
		}
		t.SessionID, t.Mid, t.OpenedAt = e.SessionID, e.Mid, e.At
	}
	t.Version = version
	return t, nil
}

// SessionID is the id of the session the message mid opens on the
// Page's thread with psid: the same for every delivery of that message,
// so that a redelivery finds the session started. 22 characters of
// [A-Za-z0-9_-], prefixed "fb".
func SessionID(page, psid, mid string) string {
	sum := sha256.Sum256([]byte(page + "\x00" + psid + "\x00" + mid))
	return "fb" + base64.RawURLEncoding.EncodeToString(sum[:15])
}
