package bench

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/seedfixtures"
)

// The bench creates the seed's session by default: its figures speak for
// real sessions (3.5 KB, 83 user data keys).
func TestIntakeBodyIsTheSeedsByDefault(t *testing.T) {
	t.Parallel()
	bodyOf, err := intakeBody("")
	require.NoError(t, err)
	body, err := bodyOf(7)
	require.NoError(t, err)
	var got struct {
		ID       string         `json:"id"`
		AgentID  string         `json:"agentId"`
		State    string         `json:"state"`
		UserData map[string]any `json:"userData"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Equal(t, "s7", got.ID)
	require.Equal(t, "a7", got.AgentID)
	require.Equal(t, "Chatting", got.State)
	var seed struct {
		UserData map[string]any `json:"userData"`
	}
	require.NoError(t, json.Unmarshal(seedfixtures.IntakeSeed(), &seed))
	require.Equal(t, seed.UserData, got.UserData)
	require.Greater(t, len(body), 3000)
	small, err := intakeBody(SessionSmall)
	require.NoError(t, err)
	body, err = small(1)
	require.NoError(t, err)
	require.Less(t, len(body), 400)
	_, err = intakeBody("huge")
	require.Error(t, err)
}
