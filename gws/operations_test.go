package gws_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
)

func TestAgentCommands(t *testing.T) {
	t.Parallel()
	queue := "Social.Media.Queue"
	for body, want := range map[string]fb.Command{
		`{"operationName":"Accept"}`:                                                 fb.Accept{By: "a1", Nickname: "agent1"},
		`{"operationName":"Accept","nickname":"Smith"}`:                              fb.Accept{By: "a1", Nickname: "Smith"},
		`{"operationName":"Reject"}`:                                                 fb.Reject{By: "a1"},
		`{"operationName":"SendMessage","text":"Hi"}`:                                fb.SendMessage{By: "a1", Text: "Hi"},
		`{"operationName":"SendStartTypingNotification"}`:                            fb.StartTyping{By: "a1"},
		`{"operationName":"SendStopTypingNotification"}`:                             fb.StopTyping{By: "a1"},
		`{"operationName":"Transfer","targetUri":"http://gws:8090/api/v2/users/a2"}`: fb.Transfer{By: "a1", TargetAgent: "a2"},
		`{"operationName":"Transfer","targetUri":"/api/v2/users/a2"}`:                fb.Transfer{By: "a1", TargetAgent: "a2"},
		`{"operationName":"Transfer","queueName":"Social.Media.Queue"}`:              fb.Transfer{By: "a1", QueueName: &queue},
		`{"operationName":"Complete"}`:                                               fb.Complete{By: "a1"},
		`{"operationName":"Complete","queueName":"Social.Media.Queue"}`:              fb.Complete{By: "a1", QueueName: &queue},
		`{"operationName":"Leave"}`:                                                  fb.Leave{By: "a1"},
		`{"operationName":"InFocus","text":"ignored"}`:                               fb.InFocus{By: "a1"},
		`{"operationName":"UpdateUserData","userData":{"a":1}}`:                      fb.UpdateUserData{By: "a1", UserData: json.RawMessage(`{"a":1}`)},
		`{"operationName":"DeleteUserData","keys":["a","b"]}`:                        fb.DeleteUserData{By: "a1", Keys: []string{"a", "b"}},
	} {
		op, err := gws.DecodeOperation([]byte(body))
		require.NoError(t, err, body)
		got, err := op.AgentCommand("a1", "agent1")
		require.NoError(t, err, body)
		require.Equal(t, want, got, body)
	}
}

func TestIntegrationCommands(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]fb.Command{
		`{"operationName":"CustomerMessage","text":"Hello"}`:                fb.CustomerMessage{Text: "Hello"},
		`{"operationName":"CustomerMessage","text":"Hello","nickname":"V"}`: fb.CustomerMessage{Text: "Hello", Nickname: "V"},
		`{"operationName":"CustomerLeft"}`:                                  fb.CustomerLeft{},
		`{"operationName":"Route","agentId":"a2"}`:                          fb.Route{AgentID: "a2"},
		`{"operationName":"Withdraw"}`:                                      fb.Withdraw{},
		`{"operationName":"Withdraw","agentId":"a2"}`:                       fb.Withdraw{AgentID: "a2"},
	} {
		op, err := gws.DecodeOperation([]byte(body))
		require.NoError(t, err, body)
		got, err := op.IntegrationCommand()
		require.NoError(t, err, body)
		require.Equal(t, want, got, body)
	}
}

func TestOperationFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body        string
		integration bool
		want        error
		message     string
	}{
		{body: `{}`, want: gws.ErrMissingParameter, message: "gws: missing parameter: operationName is required"},
		{body: `{"operationName":null}`, want: gws.ErrMissingParameter},
		{body: `{"operationName":"Dance"}`, want: gws.ErrInvalidBody,
			message: `gws: invalid body: operationName "Dance" is not supported; supported: Accept, Reject, Transfer, Complete, Leave, InFocus, SendMessage, SendStartTypingNotification, SendStopTypingNotification, UpdateUserData, DeleteUserData`},
		{body: `{"operationName":"CustomerMessage","text":"x"}`, want: gws.ErrInvalidBody},
		{body: `{"operationName":"Complete"}`, integration: true, want: gws.ErrInvalidBody,
			message: `gws: invalid body: operationName "Complete" is not supported; supported: CustomerMessage, CustomerLeft, Route, Withdraw`},
		{body: `{"operationName":"SendMessage"}`, want: gws.ErrMissingParameter, message: "gws: missing parameter: text is required"},
		{body: `{"operationName":"SendMessage","text":null}`, want: gws.ErrMissingParameter},
		{body: `{"operationName":"SendMessage","text":7}`, want: gws.ErrInvalidBody, message: "gws: invalid body: text has the wrong type: string expected"},
		{body: `{"operationName":"Transfer"}`, want: gws.ErrMissingParameter, message: "gws: missing parameter: targetUri or queueName is required"},
		{body: `{"operationName":"Transfer","targetUri":"/api/v2/users/a2","queueName":"Q"}`, want: fb.ErrInvalid},
		{body: `{"operationName":"Transfer","targetUri":"http://gws/api/v2/queues/Q"}`, want: fb.ErrInvalid},
		{body: `{"operationName":"Transfer","targetUri":"http://gws/api/v2/users/a.>"}`, want: fb.ErrInvalid},
		{body: `{"operationName":"Transfer","targetUri":"http://gws/api/v2/users/a2?x=1"}`, want: fb.ErrInvalid},
		{body: `{"operationName":"Transfer","targetUri":"http://gws/api/v2/users/a2/x"}`, want: fb.ErrInvalid},
		{body: `{"operationName":"Transfer","targetUri":""}`, want: fb.ErrInvalid},
		{body: `{"operationName":"UpdateUserData"}`, want: gws.ErrMissingParameter},
		{body: `{"operationName":"UpdateUserData","userData":null}`, want: gws.ErrMissingParameter},
		{body: `{"operationName":"DeleteUserData"}`, want: gws.ErrMissingParameter},
		{body: `{"operationName":"DeleteUserData","keys":"a"}`, want: gws.ErrInvalidBody},
		{body: `{"operationName":"DeleteUserData","keys":[1]}`, want: gws.ErrInvalidBody},
		{body: `{"operationName":"CustomerMessage"}`, integration: true, want: gws.ErrMissingParameter},
		{body: `{"operationName":"CustomerMessage","text":"x","nickname":""}`, integration: true, want: fb.ErrInvalid},
		{body: `{"operationName":"Route"}`, integration: true, want: gws.ErrMissingParameter},
		{body: `{"operationName":"Route","agentId":""}`, integration: true, want: gws.ErrMissingParameter},
		{body: `{"operationName":"Withdraw","agentId":""}`, integration: true, want: fb.ErrInvalid},
		{body: `{"operationName":"Withdraw","agentId":7}`, integration: true, want: gws.ErrInvalidBody},
	} {
		op, err := gws.DecodeOperation([]byte(tc.body))
		if err == nil {
			if tc.integration {
				_, err = op.IntegrationCommand()
			} else {
				_, err = op.AgentCommand("a1", "agent1")
			}
		}
		require.ErrorIs(t, err, tc.want, tc.body)
		if tc.message != "" {
			require.EqualError(t, err, tc.message)
		}
	}
}

func TestIntakeStateAndSuggestedQueues(t *testing.T) {
	t.Parallel()
	id := func() string { return "generated" }
	cmd, err := gws.ParseIntake([]byte(`{"agentId":"a1"}`), id)
	require.NoError(t, err)
	require.Equal(t, fb.StatusNone, cmd.Status, "Invited by default")
	require.Nil(t, cmd.SuggestedQueueURIs)
	cmd, err = gws.ParseIntake([]byte(`{"agentId":"a1","state":"Invited"}`), id)
	require.NoError(t, err)
	require.Equal(t, fb.StatusNone, cmd.Status, "the default spelled out is the default")
	cmd, err = gws.ParseIntake([]byte(`{"agentId":"a1","state":"Chatting","suggestedQueueUris":["http://gws/api/v2/queues/Q.1"]}`), id)
	require.NoError(t, err)
	require.Equal(t, fb.StatusChatting, cmd.Status)
	require.Equal(t, []string{"http://gws/api/v2/queues/Q.1"}, cmd.SuggestedQueueURIs)
	for _, body := range []string{
		`{"agentId":"a1","state":"Completed"}`,
		`{"agentId":"a1","state":"chatting"}`,
		`{"agentId":"a1","state":1}`,
		`{"agentId":"a1","suggestedQueueUris":"Q"}`,
		`{"agentId":"a1","suggestedQueueUris":[1]}`,
	} {
		_, err := gws.ParseIntake([]byte(body), id)
		require.ErrorIs(t, err, gws.ErrInvalidBody, body)
	}
}

// An Accept without a nickname takes the user name as a nickname can hold
// it, so that no user name makes it fail.
func TestDefaultNicknameIsAValidNickname(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ userName, want string }{
		{"agent1", "agent1"},
		{strings.Repeat("é", 100), strings.Repeat("é", fb.MaxNicknameLength)},
		{"Ann\u202ea", "Anna"},
		{"\u200b\u202e", "a1"},
		{"  ", "a1"},
	} {
		got := gws.DefaultNickname(tc.userName, "a1")
		require.Equal(t, tc.want, got, "%q", tc.userName)
		require.NoError(t, fb.ValidateNickname(got))
		op, err := gws.DecodeOperation([]byte(`{"operationName":"Accept"}`))
		require.NoError(t, err)
		cmd, err := op.AgentCommand("a1", tc.userName)
		require.NoError(t, err)
		require.NoError(t, fb.Validate(cmd))
	}
}
