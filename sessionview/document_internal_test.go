package sessionview

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/internal/seedfixtures"
)

// The document joined with the state's user data is byte for byte what
// json.Marshal makes of it: views already written verify against it.
func TestJoinIsWhatMarshalMakes(t *testing.T) {
	t.Parallel()
	var seed struct {
		UserData json.RawMessage `json:"userData"`
	}
	require.NoError(t, json.Unmarshal(seedfixtures.IntakeSeed(), &seed))
	for _, raw := range []string{
		string(seed.UserData), // with XML: <, > and & escaped by encoding/json
		`{ "a" : "\u00e9\/ <b>", "big": 12345678901234567890, "s": "` + "\u2028" + `" }`,
		`{}`,
	} {
		events := []fb.Event{fb.SessionStarted{SessionID: "s1", AgentID: "a1", UserData: fb.Canonical([]byte(raw)), Status: fb.StatusInvited}}
		events = append(events, fb.UserDataUpdated{UserData: json.RawMessage(`{"x":"<y>"}`)})
		for i := 1; i <= len(events); i++ {
			s := fb.Fold(events[:i])
			v, err := Encode(s)
			require.NoError(t, err)
			d := document{ID: s.ID, AgentID: s.AgentID, Status: s.Status, UserData: s.UserData, Activity: s.Activity}
			want, err := json.Marshal(d)
			require.NoError(t, err)
			joined, err := Join(v)
			require.NoError(t, err)
			require.Equal(t, string(want), string(joined))
		}
	}
}

// The notifier decodes a view per change it notifies from the view.
func BenchmarkDecodeSeedView(b *testing.B) {
	var seed struct {
		UserData json.RawMessage `json:"userData"`
	}
	require.NoError(b, json.Unmarshal(seedfixtures.IntakeSeed(), &seed))
	v, err := Encode(fb.State{ID: "0002DaAVKJ0V0095", AgentID: "a1", Status: fb.StatusCompleted, FacebooksessionType: "Inbound",
		Comment: "Iamcrazyaboutmytest", ReceivedDate: "2015-09-02T15:39:22.000+0300", UserData: fb.Canonical(seed.UserData),
		Participants: []fb.Participant{
			{Nickname: "VitaliyOnv", Type: "Customer", ID: "007355E6EDFA0107", Visibility: "All", ParticipantID: "007355E6EDFA0107"},
			{Nickname: "a1", Type: "Agent", ID: "a1", Visibility: "All", ParticipantID: "a1"},
		}, Ended: true, Activity: 1})
	require.NoError(b, err)
	v.DetailVersion = 1
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(v); err != nil {
			b.Fatal(err)
		}
	}
}
