package sessionview

import (
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/bytelru"
	"github.com/fbsession/fbsession/sessionlog"
)

// Snapshot is a session as the command side and the notifier hold it
// between changes: its state as of Version, and what is known of its user
// data. Holders keep it slim, without the user data, which is kilobytes a
// session that most commands and notifications neither read nor change,
// and which the view keeps apart (its detail). It owns the rules that go
// with that: what may be slim, what needs the user data whole, and which
// view an append writes.
type Snapshot struct {
	// State is the session; without its user data when Slim.
	State fb.State
	// Version is the stream version State is as of, 0 for no session.
	Version int64

	// slim: State.UserData was dropped; hasUserData tells whether the
	// session has any.
	slim, hasUserData bool
	// userDataAt is the version of the event that last set the user data:
	// since when the view's detail is what it is.
	userDataAt int64
}

// Slim tells whether the snapshot lacks the session's user data.
func (s Snapshot) Slim() bool { return s.slim }

// HasUserData tells whether the session has user data, held or not.
func (s Snapshot) HasUserData() bool { return s.hasUserData || len(s.State.UserData) > 0 }

// Slimmed is the snapshot without the user data, as holders keep it.
func (s Snapshot) Slimmed() Snapshot {
	if !s.slim {
		s.slim, s.hasUserData = true, len(s.State.UserData) > 0
		s.State.UserData = nil
	}
	return s
}

// Lacks tells whether deciding cmd needs what a slim snapshot lacks: the
// holder reads the stream whole first.
func (s Snapshot) Lacks(cmd fb.Command) bool { return s.slim && fb.UsesUserData(cmd) }

// ErrSlim: a slim snapshot cannot fold a change of the user data it
// lacks; its holder reads the stream, or the view's detail, instead.
var ErrSlim = errors.New("sessionview: a change of the user data a slim snapshot lacks")

// EvolveRecord folds one stored event of the session's stream into the
// snapshot, and returns the event decoded (nil for a type this binary does
// not know, which leaves the state as it was).
func (s Snapshot) EvolveRecord(r *eventstore.RecordedEvent) (Snapshot, fb.Event, error) {
	if s.slim && fb.SetsUserData(r.Type) {
		return s, nil, fmt.Errorf("%s v%d: %w", r.StreamID, r.Version, ErrSlim)
	}
	var e fb.Event
	var err error
	if s.State, e, err = sessionlog.EvolveDecoded(s.State, r); err != nil {
		return s, nil, err
	}
	s.Version = r.Version
	if fb.SetsUserData(r.Type) {
		s.userDataAt = r.Version
	}
	return s, e, nil
}

// Evolve folds decided events, the next ones of the stream, into the
// snapshot.
func (s Snapshot) Evolve(events []fb.Event) Snapshot {
	for _, e := range events {
		s.State = fb.Evolve(s.State, e)
		s.Version++
		if fb.SetsUserData(e.EventType()) {
			s.userDataAt = s.Version
		}
	}
	return s
}

// View is the view an append that leaves the session as s writes. A slim
// snapshot was made by events that did not change the user data (a
// command that changes it needs it whole: Lacks), so the stored detail
// stands and is not sent again.
func (s Snapshot) View() (*eventstore.View, error) {
	if s.slim {
		return encodeKeepingUserData(s.State, s.hasUserData)
	}
	v, err := Encode(s.State)
	if err != nil {
		return nil, err
	}
	v.DetailVersion = s.userDataAt
	return v, nil
}

// WithUserDataOf fills a slim snapshot's user data from the view v, when
// the view can tell it is the user data as of the snapshot's version: set
// no later, and the view not older. It tells whether it could; if not,
// the holder folds the stream.
func (s Snapshot) WithUserDataOf(v *eventstore.StreamView) (Snapshot, bool) {
	if !s.slim || !s.hasUserData {
		return s, true
	}
	if v == nil || v.DetailVersion == 0 || v.DetailVersion > s.Version || v.Version < s.Version || !DetailInPlace(&v.View) {
		return s, false
	}
	s.State.UserData, s.slim = v.Detail, false
	return s, true
}

// FromView is the snapshot of a session as its view holds it, at the
// view's version.
func FromView(v *eventstore.StreamView) (Snapshot, error) {
	st, err := Decode(&v.View)
	if err != nil {
		return Snapshot{}, err
	}
	return Snapshot{State: st, Version: v.Version, userDataAt: v.DetailVersion}, nil
}

// Size estimates the memory a held snapshot keeps. What a bound on it must
// hold is the data a client controls, which is counted exactly.
func (s Snapshot) Size() int {
	return bytelru.EntryOverhead + sessionlog.StateBytes(s.State)
}
