package postgres

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The statement of each shape numbers its parameters in the order append
// passes them: events, then the head check, then the view.
func TestAppendSQLShapes(t *testing.T) {
	t.Parallel()
	s := &Store{}
	plain := s.appendSQL(appendShape{events: 2})
	require.True(t, strings.HasPrefix(plain, markSQL+" INSERT INTO events"), "the feed lock first")
	require.Contains(t, plain, "$18::bytea)")
	require.NotContains(t, plain, "$19")
	guarded := s.appendSQL(appendShape{events: 2, guarded: true, view: true})
	require.Contains(t, guarded, "stream_id = $19 AND stream_version = $20 AND hash = $21")
	require.Contains(t, guarded, "SELECT $22, $23, $24, $25, $27, $26 WHERE EXISTS (SELECT 1 FROM ins)",
		"the detail's version follows the detail")
	require.Contains(t, guarded, writeDetailSQL)
	require.True(t, strings.HasPrefix(guarded, markSQL+", ins AS (INSERT"), "the feed lock first")
	cached, ok := s.appendSQLs.Load(appendShape{events: 2, guarded: true, view: true})
	require.True(t, ok, "built once, then cached")
	require.Equal(t, guarded, cached)

	// A view that keeps its detail sends none and leaves it out of the
	// update, so that the row's new version keeps the stored one.
	keep := s.appendSQL(appendShape{events: 1, view: true, keepDetail: true})
	require.Contains(t, keep, "SELECT $10, $11, $12, $13, NULL::bigint, NULL::json WHERE EXISTS (SELECT 1 FROM ins)")
	require.NotContains(t, keep, "$14")
	require.NotContains(t, keep, "detail =")
	require.NotContains(t, keep, "detail_version =")
}
