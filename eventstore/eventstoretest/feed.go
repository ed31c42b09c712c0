package eventstoretest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testFeed(t *testing.T, h Harness) {
	t.Run("Pages", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		var appended []eventstore.RecordedEvent
		heads := map[string]int64{}
		for i := 0; i < 9; i++ {
			stream := fmt.Sprintf("p-%d", i%4)
			res, err := s.Append(ctx, appendParams(stream, heads[stream], 1+i%3))
			require.NoError(t, err)
			heads[stream] = res.Version()
			appended = append(appended, res.Events...)
		}
		got := readFeedUntil(t, s, eventstore.Start, 4, len(appended))
		require.ElementsMatch(t, appended, got)
		requireFeedOrder(t, got)

		// A reader resuming from any cursor gets exactly the rest.
		mid := got[len(got)/2].Cursor()
		rest := readFeedUntilEmpty(t, s, mid, 3)
		require.Equal(t, got[len(got)/2+1:], rest)
	})

	t.Run("Empty", func(t *testing.T) {
		t.Parallel()
		s := h.New(t)
		got, err := s.ReadFeed(context.Background(), &eventstore.ReadFeedParams{})
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("LateCommit", func(t *testing.T) {
		if h.HoldAppend == nil {
			t.Skip("the driver serialises appends: no append can commit after a later one")
		}
		t.Parallel()
		require.NoError(t, CheckLateCommit(context.Background(), h.New(t), h.HoldAppend, 10*time.Second))
	})
}

// CheckLateCommit holds one append's transaction open, lets later appends
// commit, reads the feed as a projector would (taking a checkpoint), then
// commits the held append and keeps reading from the checkpoint for up to
// patience. It returns an error if the reader missed an event or saw one
// twice. A reader that checkpoints bare positions fails it: the held event
// has the lowest position but commits last.
func CheckLateCommit(ctx context.Context, s eventstore.Store, hold func(context.Context, eventstore.Store, *eventstore.AppendParams) (func() error, error), patience time.Duration) error {
	commit, err := hold(ctx, s, appendParams("late", eventstore.NoStream, 1))
	if err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	want := map[string]bool{"late": true}
	for i := 0; i < 5; i++ {
		stream := fmt.Sprintf("early-%d", i)
		if _, err := s.Append(ctx, appendParams(stream, eventstore.NoStream, 1)); err != nil {
			return fmt.Errorf("append %s: %w", stream, err)
		}
		want[stream] = true
	}

	seen := map[string]int{}
	cursor := eventstore.Start
	read := func() error {
		for {
			page, err := s.ReadFeed(ctx, &eventstore.ReadFeedParams{After: cursor, Limit: 2})
			if err != nil || len(page) == 0 {
				return err
			}
			for i := range page {
				seen[page[i].StreamID]++
			}
			cursor = page[len(page)-1].Cursor()
		}
	}
	if err := read(); err != nil {
		return err
	}
	if err := commit(); err != nil {
		return fmt.Errorf("commit held append: %w", err)
	}
	deadline := time.Now().Add(patience)
	for len(seen) < len(want) && time.Now().Before(deadline) {
		// Another test's transaction may hold the watermark back a moment.
		time.Sleep(20 * time.Millisecond)
		if err := read(); err != nil {
			return err
		}
	}
	var problems []string
	for stream := range want {
		switch n := seen[stream]; {
		case n == 0:
			problems = append(problems, stream+" missed")
		case n > 1:
			problems = append(problems, fmt.Sprintf("%s seen %d times", stream, n))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("feed reader: %v", problems)
	}
	return nil
}

func readFeedUntilEmpty(t *testing.T, s eventstore.Store, after eventstore.Cursor, limit int) []eventstore.RecordedEvent {
	t.Helper()
	var all []eventstore.RecordedEvent
	for {
		page, err := s.ReadFeed(context.Background(), &eventstore.ReadFeedParams{After: after, Limit: limit})
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), limit)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].Cursor()
	}
}

// readFeedUntil reads pages until it has want events. Committed events may
// take a moment to show: a store may hold them back while an older
// transaction, maybe another test's, is still running.
func readFeedUntil(t *testing.T, s eventstore.Store, after eventstore.Cursor, limit, want int) []eventstore.RecordedEvent {
	t.Helper()
	var all []eventstore.RecordedEvent
	deadline := time.Now().Add(10 * time.Second)
	for len(all) < want && time.Now().Before(deadline) {
		page := readFeedUntilEmpty(t, s, after, limit)
		if len(page) == 0 {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		all = append(all, page...)
		after = page[len(page)-1].Cursor()
	}
	return all
}

// requireFeedOrder checks that cursors strictly increase, and that each
// stream's events come in version order without gaps.
func requireFeedOrder(t *testing.T, feed []eventstore.RecordedEvent) {
	t.Helper()
	last := map[string]int64{}
	for i := range feed {
		e := &feed[i]
		if i > 0 {
			require.True(t, feed[i-1].Cursor().Before(e.Cursor()), "cursor %v after %v", e.Cursor(), feed[i-1].Cursor())
		}
		require.Equal(t, last[e.StreamID]+1, e.Version, "stream %s", e.StreamID)
		last[e.StreamID] = e.Version
	}
}
