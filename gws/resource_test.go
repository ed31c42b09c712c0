package gws_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
)

var started = fb.SessionStarted{
	SessionID:           "0002DaAVKJ0V0095",
	AgentID:             "a1",
	FacebooksessionType: "Inbound",
	Comment:             "Iamcrazyaboutmytest",
	UserData:            json.RawMessage(`{"FirstName":"Vitaliy","UserData2":123456789}`),
	Participants:        []fb.Participant{{Nickname: "VitaliyOnv", Type: "Customer", ID: "007355E6EDFA0107", Visibility: "All", ParticipantID: "007355E6EDFA0107"}},
	Status:              fb.StatusChatting,
}

var invited = func() fb.SessionStarted {
	s := started
	s.Status = fb.StatusInvited
	return s
}()

func TestResourceOf(t *testing.T) {
	t.Parallel()
	id := started.SessionID
	for _, tc := range []struct {
		name         string
		events       []fb.Event
		state        fb.Status
		capabilities []string
	}{
		{name: "no events", state: fb.StatusNone, capabilities: []string{}},
		{name: "started", events: []fb.Event{started}, state: fb.StatusChatting, capabilities: fb.StatusChatting.Capabilities()},
		{name: "invited", events: []fb.Event{invited}, state: fb.StatusInvited, capabilities: []string{"Accept", "Reject"}},
		{name: "ended", events: []fb.Event{started, fb.SessionEnded{SessionID: id}}, state: fb.StatusChatting, capabilities: fb.StatusChatting.Capabilities()},
		{name: "completed", events: []fb.Event{started, fb.SessionEnded{SessionID: id}, fb.InteractionCompleted{SessionID: id}}, state: fb.StatusCompleted, capabilities: []string{}},
		{name: "queued", events: []fb.Event{started, fb.SessionEnded{SessionID: id}, fb.QueuedTo{SessionID: id, QueueName: "Q"}}, state: fb.StatusCompleted, capabilities: []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := fb.Fold(tc.events)
			r := gws.ResourceOf(s, "http://gws.example")
			require.Equal(t, tc.state, r.State)
			require.Equal(t, tc.capabilities, r.Capabilities)
			require.Equal(t, "http://gws.example/api/v2/facebooksessions/"+s.ID, r.URI)
		})
	}
}

func TestResourceKeepsSessionData(t *testing.T) {
	t.Parallel()
	r := gws.ResourceOf(fb.Fold([]fb.Event{started}), "")
	require.Equal(t, started.SessionID, r.ID)
	require.Equal(t, started.Comment, r.Comment)
	require.Len(t, r.Participants, len(started.Participants))
	for i, p := range started.Participants {
		require.Equal(t, gws.Participant(p), r.Participants[i])
	}
	require.JSONEq(t, string(started.UserData), string(r.UserData))

	body, err := json.Marshal(r)
	require.NoError(t, err)
	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &keys))
	for _, k := range []string{"id", "uri", "state", "capabilities", "participants", "userData", "comment", "facebooksessionType", "suggestedQueueUris", "revelantResponseTemplateGroups"} {
		require.Contains(t, keys, k)
	}
	require.NotContains(t, keys, "receivedDate", "left out when intake gave none")
	require.JSONEq(t, `[]`, string(keys["suggestedQueueUris"]))
	require.JSONEq(t, `[{"nickname":"VitaliyOnv","type":"Customer","id":"007355E6EDFA0107","visibility":"All","participantId":"007355E6EDFA0107"}]`, string(keys["participants"]))
}

func TestResourceListsAreNeverNull(t *testing.T) {
	t.Parallel()
	body, err := json.Marshal(gws.ResourceOf(fb.State{ID: "s", Status: fb.StatusChatting}, ""))
	require.NoError(t, err)
	var r map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &r))
	require.JSONEq(t, `[]`, string(r["participants"]))
	require.JSONEq(t, `{}`, string(r["userData"]))
}

func TestResourceShowsSuggestedQueues(t *testing.T) {
	t.Parallel()
	s := started
	s.SuggestedQueueURIs = []string{"http://gws/api/v2/queues/Social.Media"}
	r := gws.ResourceOf(fb.Fold([]fb.Event{s}), "")
	require.Equal(t, s.SuggestedQueueURIs, r.SuggestedQueueURIs)
}

func TestResourceLeavesOutAbsentOptionalFields(t *testing.T) {
	t.Parallel()
	body, err := json.Marshal(gws.ResourceOf(fb.State{ID: "s", Status: fb.StatusInvited}, ""))
	require.NoError(t, err)
	var r map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &r))
	require.NotContains(t, r, "comment")
	require.NotContains(t, r, "receivedDate")
	require.Len(t, r, len(gws.ResourceFields())-2)
}

func TestSelectFields(t *testing.T) {
	t.Parallel()
	r := gws.ResourceOf(fb.Fold([]fb.Event{started}), "http://gws")
	for _, tc := range []struct{ fields, want string }{
		{"state,id", `{"id":"0002DaAVKJ0V0095","state":"Chatting"}`},
		{"uri", `{"uri":"http://gws/api/v2/facebooksessions/0002DaAVKJ0V0095"}`},
		{"comment,comment", `{"comment":"Iamcrazyaboutmytest"}`},
		{"receivedDate", `{}`},
		{"suggestedQueueUris,revelantResponseTemplateGroups", `{"suggestedQueueUris":[],"revelantResponseTemplateGroups":[]}`},
	} {
		f, err := gws.ParseFields(tc.fields)
		require.NoError(t, err, tc.fields)
		require.False(t, f.All())
		got, err := json.Marshal(r.Select(f))
		require.NoError(t, err)
		require.Equal(t, tc.want, string(got), tc.fields)
	}
	for _, all := range []string{"", "*", "id,*"} {
		f, err := gws.ParseFields(all)
		require.NoError(t, err)
		require.True(t, f.All(), all)
		got, err := json.Marshal(r.Select(f))
		require.NoError(t, err)
		want, err := json.Marshal(r)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
	for _, bad := range []string{"ID", "id,", ",id", "id,,uri", "agentId", " id", "userData.FirstName"} {
		_, err := gws.ParseFields(bad)
		require.ErrorIs(t, err, gws.ErrInvalidBody, bad)
	}
}
