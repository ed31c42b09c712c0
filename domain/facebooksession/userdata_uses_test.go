package facebooksession_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// A command UsesUserData does not name decides, and folds, the same on a
// state whose user data was dropped: callers that cache states without it
// rely on that.
func TestUsesUserDataNamesEveryCommandThatReadsIt(t *testing.T) {
	t.Parallel()
	histories := map[string][]fb.Event{
		"invited":   {invited},
		"chatting":  {invited, accepted, fb.CustomerMessageReceived{Message: fb.Message{Index: 1, Text: "hi", At: at}}},
		"completed": {invited, accepted, fb.InteractionCompleted{SessionID: started.SessionID}},
		"queued":    {invited, accepted, fb.TransferredToQueue{FromAgentID: "a1", QueueName: "Q"}},
	}
	commands := []fb.Command{
		fb.Complete{By: "a1"}, fb.Complete{By: "a1", QueueName: ptr("Q")},
		fb.Accept{By: "a1", Nickname: "Anna"}, fb.Reject{By: "a1"},
		fb.SendMessage{By: "a1", Text: "hi", At: at}, fb.StartTyping{By: "a1"}, fb.StopTyping{By: "a1"},
		fb.Transfer{By: "a1", TargetAgent: "a2"}, fb.Transfer{By: "a1", QueueName: ptr("Q")},
		fb.Leave{By: "a1"}, fb.InFocus{By: "a1"},
		fb.UpdateUserData{By: "a1", UserData: json.RawMessage(`{"x":1}`)},
		fb.DeleteUserData{By: "a1", Keys: []string{"FirstName"}},
		fb.CustomerMessage{Text: "hello", At: at}, fb.CustomerLeft{}, fb.Route{AgentID: "a2"},
		fb.Start{SessionID: started.SessionID, AgentID: "a1", UserData: []byte(`{"x":1}`)},
	}
	for name, given := range histories {
		whole := fb.Fold(given)
		require.NotEmpty(t, whole.UserData, "the histories hold user data")
		slim := whole
		slim.UserData = nil
		for _, cmd := range commands {
			t.Run(fmt.Sprintf("%s/%T", name, cmd), func(t *testing.T) {
				fromWhole, wholeErr := fb.Handle(whole, cmd)
				fromSlim, slimErr := fb.Handle(slim, cmd)
				if fb.UsesUserData(cmd) {
					for _, e := range fromWhole {
						require.True(t, fb.SetsUserData(e.EventType()), "%T", e)
					}
					return
				}
				for _, e := range fromWhole {
					require.False(t, fb.SetsUserData(e.EventType()), "%T", e)
				}
				require.Equal(t, wholeErr, slimErr)
				require.Equal(t, fromWhole, fromSlim)
				after, slimAfter := whole, slim
				for _, e := range fromWhole {
					after, slimAfter = fb.Evolve(after, e), fb.Evolve(slimAfter, e)
				}
				require.Equal(t, whole.UserData, after.UserData, "left as it was")
				after.UserData = nil
				require.Equal(t, after, slimAfter)
			})
		}
	}
	require.True(t, fb.UsesUserData(fb.UpdateUserData{}))
	require.True(t, fb.UsesUserData(fb.DeleteUserData{}))
}
