package systemtest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The failover runs' counts, on a made-up run: each kind of fault
// counted once, and what is whole not at all.
func TestCountFailover(t *testing.T) {
	t.Parallel()
	name, ok := changeOfMsgID("facebooksession-c0-1:3:2:integration/00112233aabbccdd")
	require.True(t, ok)
	require.Equal(t, "facebooksession-c0-1:3/00112233aabbccdd", name)
	_, ok = changeOfMsgID("facebooksession-c0-1:3")
	require.False(t, ok, "no change's tag")

	load := &lifeLoad{refused: map[string]int{}, acked: []acked{
		{session: "c0-1", op: "intake"},                       // in the log
		{session: "c0-1", op: "Accept", referenceID: 10},      // in the log
		{session: "c0-1", op: "SendMessage", referenceID: 11}, // lost: the log has 11 elsewhere
		{session: "c0-2", op: "intake"},                       // lost
		{session: "c0-3", op: "Accept", referenceID: 12},      // lost, and 12 answered again below
		{session: "c0-3", op: "Complete", referenceID: 12},
	}}
	log := map[string]logChange{
		"facebooksession-c0-1:1/01": {stream: "facebooksession-c0-1", intake: true},
		"facebooksession-c0-1:2/02": {stream: "facebooksession-c0-1", referenceID: 10},
		"facebooksession-c0-4:1/04": {stream: "facebooksession-c0-4", referenceID: 11}, // never notified
	}
	w := &streamWatch{notified: map[string]int64{
		"facebooksession-c0-1:1/01": 0,
		"facebooksession-c0-1:2/02": 10,
		"facebooksession-c0-1:3/ff": 11, // a ghost, whose 11 the log gave c0-4
		"facebooksession-c0-2:1/aa": 0,  // a ghost
	}, resynced: map[string]bool{"facebooksession-c0-1": true}}
	fc := countFailover(load, w, log)
	require.Equal(t, 6, fc.acked)
	require.Equal(t, 4, fc.lostAcked)
	require.Equal(t, 2, fc.ghosts)
	require.Equal(t, 1, fc.dropped)
	require.Equal(t, 2, fc.reused, "11 in two sessions, 12 answered twice")
	require.Equal(t, 1, fc.unresynced, "c0-2's ghost was not corrected")
}
