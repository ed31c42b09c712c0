package sessionlog_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/sessionlog"
)

func TestStateBytesCountsWhatAClientSends(t *testing.T) {
	t.Parallel()
	require.Zero(t, sessionlog.StateBytes(fb.State{}))
	s := fb.State{ID: "s1", AgentID: "a1", UserData: make([]byte, 1000)}
	require.Equal(t, 1004, sessionlog.StateBytes(s))
	s.Participants = []fb.Participant{{Nickname: "nick", ID: "p1"}}
	require.Equal(t, 1004+80+6, sessionlog.StateBytes(s))
}
