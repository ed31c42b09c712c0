package storetest

import (
	"context"
	"testing"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

// StartUnchecked appends the intake of cmd as an intake that did not
// validate its input did: the log a hostile or older writer left, which
// every reader must still show safely.
func StartUnchecked(t testing.TB, store eventstore.Store, cmd fb.Start) {
	t.Helper()
	events, err := fb.Decide(fb.State{}, cmd)
	if err != nil {
		t.Fatal(err)
	}
	data, err := sessionlog.Encode(events[0])
	if err != nil {
		t.Fatal(err)
	}
	meta, err := sessionlog.EncodeMetadata(sessionlog.Metadata{Actor: "router", Operation: fb.OperationIntake})
	if err != nil {
		t.Fatal(err)
	}
	view, err := sessionview.Snapshot{}.Evolve(events).View()
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Append(context.Background(), &eventstore.AppendParams{
		StreamID: sessionlog.StreamID(cmd.SessionID),
		Events:   []eventstore.EventData{{Type: events[0].EventType(), SchemaVersion: sessionlog.SchemaVersion, Data: data, Metadata: meta}},
		View:     view,
	})
	if err != nil {
		t.Fatal(err)
	}
}
