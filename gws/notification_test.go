package gws_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
)

// The notifications' bodies, key for key and in the API's order.
func TestNotificationBodies(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	said := fb.Said{Message: fb.Message{Index: 2, Nickname: "Anna", ParticipantID: "a1", Text: "Hi", At: at}, FromType: fb.ParticipantAgent}
	body, err := json.Marshal(gws.NewMessages(7, "http://h/api/v2/facebooksessions/s1", []gws.Message{gws.MessageOf(said)}))
	require.NoError(t, err)
	require.Equal(t, `{"referenceId":7,"messages":[{"index":2,"from":{"nickname":"Anna","type":"Agent","participantId":"a1"},`+
		`"text":"Hi","visibility":"All","timestamp":"2026-11-24T12:00:00.000Z","type":"Text","timestampSeconds":1795521600}],`+
		`"notificationType":"NewMessages","messageType":"MessageLogUpdated","facebooksessionUri":"http://h/api/v2/facebooksessions/s1"}`, string(body))

	typing, err := json.Marshal(gws.NewMessages(0, "u", []gws.Message{gws.Typing(gws.MessageTypingStarted, "Anna", "a1", at)}))
	require.NoError(t, err)
	require.Equal(t, `{"messages":[{"from":{"nickname":"Anna","type":"Agent","participantId":"a1"},"visibility":"All",`+
		`"timestamp":"2026-11-24T12:00:00.000Z","type":"TypingStarted","timestampSeconds":1795521600}],`+
		`"notificationType":"NewMessages","messageType":"MessageLogUpdated","facebooksessionUri":"u"}`, string(typing))

	none, err := json.Marshal(gws.NewMessages(0, "u", nil))
	require.NoError(t, err)
	require.Contains(t, string(none), `"messages":[]`)

	for typ, n := range map[string]gws.Notification{
		"StatusChange":        gws.StatusChange(3, gws.Resource{}),
		"ParticipantsUpdated": gws.ParticipantsUpdated(3, gws.Resource{}),
		"PropertiesUpdated":   gws.PropertiesUpdated(3, gws.Resource{}),
	} {
		require.Equal(t, typ, n.NotificationType)
		require.Equal(t, "FacebooksessionStateChangeMessage", n.MessageType)
		require.Equal(t, int64(3), n.ReferenceID)
	}
	require.Equal(t, "gws.v2.integration.facebooksession.s1", gws.NewSubjects("gws.v2").Integration("s1"))
}
