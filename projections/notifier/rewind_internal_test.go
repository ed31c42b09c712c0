package notifier

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections/natstest"
)

// A header that does not name a change, or a resync, as the notifier
// writes them is not one: the message counts as unchecked.
func TestParseChangeAndResync(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]changeRef{
		"facebooksession-s1:3/0123456789abcdef":  {stream: "facebooksession-s1", version: 3, tag: "0123456789abcdef"},
		"agent-a:b:12/ff":                        {stream: "agent-a:b", version: 12, tag: "ff"},
		"":                                       {},
		"facebooksession-s1:3":                   {},
		"facebooksession-s1:0/0123456789abcdef":  {},
		"facebooksession-s1:-1/0123456789abcdef": {},
		"facebooksession-s1:x/0123456789abcdef":  {},
		":3/0123456789abcdef":                    {},
		"facebooksession-s1:3/":                  {},
	} {
		got, ok := parseChange(in)
		require.Equal(t, want.stream != "", ok, in)
		require.Equal(t, want, got, in)
	}
	for in, want := range map[string]resyncRef{
		"facebooksession-s1:2-5": {stream: "facebooksession-s1", from: 2, to: 5},
		"facebooksession-s1:5-2": {},
		"facebooksession-s1:5":   {},
		"facebooksession-s1:a-2": {},
		":2-5":                   {},
	} {
		got, ok := parseResync(in)
		require.Equal(t, want.stream != "", ok, in)
		require.Equal(t, want, got, in)
	}
}

// failingLog fails every read.
type failingLog struct{}

var errRead = errors.New("the log is away")

func (failingLog) ReadRange(context.Context, *eventstore.ReadRangeParams) ([]eventstore.RecordedEvent, error) {
	return nil, errRead
}

func (failingLog) ReadStream(context.Context, *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error) {
	return nil, errRead
}

func (failingLog) Head(context.Context) (int64, error) { return 0, errRead }

// A check that cannot run holds publishing back (the runner retries) until
// the checks have failed for CheckPatience; then the notifier goes on,
// logging an error and counting each failure.
func TestCheckThatCannotRunHoldsBackForItsPatience(t *testing.T) {
	t.Parallel()
	nc := natstest.Connect(t, natstest.RunServer(t, "", 0).ClientURL())
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	from := eventstore.Cursor{Commit: 7, Position: 9}
	for _, tc := range []struct {
		patience time.Duration
		held     bool
	}{{time.Hour, true}, {time.Nanosecond, false}} {
		var logs strings.Builder
		n, err := New(Config{JetStream: js, Store: storeless{}, Log: failingLog{}, CheckPatience: tc.patience,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		require.NoError(t, err)
		_, err = n.Resume(context.Background(), from)
		require.ErrorIs(t, err, errRead, "the first failure holds back")
		time.Sleep(time.Millisecond) // past a patience of 1ns
		at, err := n.Resume(context.Background(), from)
		if tc.held {
			require.ErrorIs(t, err, errRead)
			require.NotContains(t, logs.String(), "notifying unchecked")
			continue
		}
		require.NoError(t, err)
		require.Equal(t, from, at)
		require.Contains(t, logs.String(), "notifying unchecked")
		require.True(t, n.rewind.isOwed, "the next check reads what this one skipped")
	}
}

// storeless is a StreamsReader never read.
type storeless struct{ StreamsReader }
