package projections

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func ev(stream string, commit uint64, pos int64) eventstore.RecordedEvent {
	return eventstore.RecordedEvent{StreamID: stream, Commit: commit, Position: pos}
}

func TestWholeAppends(t *testing.T) {
	t.Parallel()
	page := []eventstore.RecordedEvent{ev("a", 1, 1), ev("a", 1, 2), ev("b", 2, 3), ev("b", 2, 4)}
	require.Equal(t, page, wholeAppends(page, 5), "a page that is not full is whole")
	require.Equal(t, page[:2], wholeAppends(page, 4), "a full page may end inside an append")
	one := []eventstore.RecordedEvent{ev("a", 1, 1), ev("a", 1, 2)}
	require.Equal(t, one, wholeAppends(one, 2), "an append larger than a page is kept")
	require.Empty(t, wholeAppends(nil, 2))
}
