package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/messenger"
	"github.com/fbsession/fbsession/messenger/fakegraph"
	"github.com/fbsession/fbsession/messenger/graph"
	"github.com/fbsession/fbsession/projections/inbox"
	"github.com/fbsession/fbsession/sessionlog"
)

const page = "830180563704433"

type bundle struct {
	store    eventstore.Driver
	sessions *commands.Handler
	inbox    *inbox.Inbox
	after    eventstore.Cursor
}

func setup(t *testing.T, b *storetest.Backend) *bundle {
	fake := fakegraph.New(fakegraph.Config{Profiles: map[string]graph.Profile{
		"1457374047909438": {ID: "1457374047909438", FirstName: "Vitaliy", LastName: "Onv"},
	}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	sessions := commands.NewHandler(b.Store)
	x, err := inbox.New(inbox.Config{Store: b.Store, Sessions: sessions, Profiles: graph.New(srv.URL + "/v21.0"),
		Pages: []inbox.Page{{ID: page, Token: "PAGE_TOKEN", Queue: "Social.Media"}}, Metrics: inbox.NewMetrics(nil)})
	require.NoError(t, err)
	return &bundle{store: b.Store, sessions: sessions, inbox: x}
}

// deliver records a delivery as the webhook does.
func (b *bundle) deliver(t *testing.T, body string) {
	t.Helper()
	data, err := messenger.EncodeDelivery([]byte(body), time.Now(), "")
	require.NoError(t, err)
	_, err = b.store.Append(context.Background(), &eventstore.AppendParams{
		StreamID: messenger.DeliveryStreamPrefix + fmt.Sprint(time.Now().UnixNano()), ExpectedVersion: eventstore.NoStream,
		Events: []eventstore.EventData{{Type: messenger.TypeDeliveryReceived, SchemaVersion: 1, Data: data}},
	})
	require.NoError(t, err)
}

// project projects what the feed holds since the last call; again, it
// projects the last page once more, as after a crash before the checkpoint.
func (b *bundle) project(t *testing.T, again bool) []eventstore.RecordedEvent {
	t.Helper()
	ctx := context.Background()
	events, err := b.store.ReadFeed(ctx, &eventstore.ReadFeedParams{After: b.after})
	require.NoError(t, err)
	require.NoError(t, b.inbox.Project(ctx, events))
	if again {
		require.NoError(t, b.inbox.Project(ctx, events))
	}
	if len(events) > 0 {
		b.after = events[len(events)-1].Cursor()
	}
	return events
}

func (b *bundle) session(t *testing.T, id string) fb.State {
	t.Helper()
	recs, err := b.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	require.NoError(t, err)
	s, err := sessionlog.FoldRecords(recs)
	require.NoError(t, err)
	return s
}

func (b *bundle) transcript(t *testing.T, id string) []string {
	t.Helper()
	recs, err := b.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	require.NoError(t, err)
	var texts []string
	for i := range recs {
		e, err := sessionlog.Decode(recs[i].Type, recs[i].SchemaVersion, recs[i].Data)
		require.NoError(t, err)
		if m, ok := e.(fb.CustomerMessageReceived); ok {
			texts = append(texts, m.Message.Text)
		}
	}
	return texts
}

// text is Meta's text message example, for the seed's customer.
func text(psid, mid, text string, ts int64) string {
	return fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":%q,"text":%q}}]}]}`,
		page, ts, psid, page, ts, mid, text)
}

const customer = "1457374047909438"

func TestNewSessionThenSameSession(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		b := setup(t, be)
		b.deliver(t, text(customer, "m_1", "Hellomyfriend!", 1441197555607))
		b.project(t, false)
		id := messenger.SessionID(page, customer, "m_1")
		s := b.session(t, id)
		require.Equal(t, "Social.Media", s.Queue)
		require.Equal(t, fb.StatusCompleted, s.Status) // waiting for the router
		var ud map[string]any
		require.NoError(t, json.Unmarshal(s.UserData, &ud))
		require.Equal(t, map[string]any{"FirstName": "Vitaliy", "LastName": "Onv", "_facebookActorId": customer,
			"_facebookActorName": "Vitaliy Onv", "_facebookSourceId": page, "_facebookPMMessageId": "m_1",
			"_facebookMessageText": "Hellomyfriend!", "_facebookCreatedTime": "1441197555607", "Subject": "Hellomyfriend!",
			"FromAddress": "Vitaliy Onv", "_facebookWebhookField": "message"}, ud)
		require.Equal(t, []fb.Participant{{Nickname: "Vitaliy Onv", Type: "Customer", ID: customer, Visibility: "All", ParticipantID: customer}}, s.Participants)

		b.deliver(t, text(customer, "m_2", "Are you there?", 1441197560000))
		b.project(t, false)
		require.Equal(t, []string{"Are you there?"}, b.transcript(t, id))
	})
}

func TestRedeliveryAndPageProjectedTwice(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		b := setup(t, be)
		// Meta delivers the first message twice; a page holds both and the
		// second message, and is projected twice.
		b.deliver(t, text(customer, "m_1", "first", 1))
		b.deliver(t, text(customer, "m_1", "first", 1))
		b.deliver(t, text(customer, "m_2", "second", 2))
		b.deliver(t, text(customer, "m_2", "second", 2))
		b.project(t, true)
		id := messenger.SessionID(page, customer, "m_1")
		require.Equal(t, []string{"second"}, b.transcript(t, id))
		// Redelivered later, after other messages: still nothing twice.
		b.deliver(t, text(customer, "m_3", "third", 3))
		b.deliver(t, text(customer, "m_1", "first", 1))
		b.deliver(t, text(customer, "m_2", "second", 2))
		b.project(t, true)
		require.Equal(t, []string{"second", "third"}, b.transcript(t, id))
		threads, err := b.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: messenger.ThreadStreamID(page, customer)})
		require.NoError(t, err)
		require.Len(t, threads, 1)
	})
}

func TestCompletedSessionThenNewOne(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		b := setup(t, be)
		ctx := context.Background()
		// No profile for this PSID: the session is named by it.
		b.deliver(t, text("PSID2", "m_a", "hello", 1))
		b.project(t, false)
		first := messenger.SessionID(page, "PSID2", "m_a")
		require.Equal(t, "PSID2", b.session(t, first).Participants[0].Nickname)
		_, err := b.sessions.Operate(ctx, commands.Request{Actor: "router"}, first, fb.Route{AgentID: "a1"})
		require.NoError(t, err)
		_, err = b.sessions.Operate(ctx, commands.Request{Actor: "a1"}, first, fb.Accept{By: "a1", Nickname: "agent1"})
		require.NoError(t, err)
		_, err = b.sessions.Operate(ctx, commands.Request{Actor: "a1"}, first, fb.Complete{By: "a1"})
		require.NoError(t, err)

		b.deliver(t, text("PSID2", "m_b", "me again", 2))
		b.project(t, true)
		second := messenger.SessionID(page, "PSID2", "m_b")
		s := b.session(t, second)
		require.Equal(t, "Social.Media", s.Queue)
		require.Empty(t, b.transcript(t, first))
		// The next message goes to the new session, once.
		b.deliver(t, text("PSID2", "m_c", "still me", 3))
		b.project(t, true)
		require.Equal(t, []string{"still me"}, b.transcript(t, second))
	})
}

func TestOthersRecorded(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		b := setup(t, be)
		for _, body := range []string{
			`{"object":"page","entry":[{"id":"` + page + `","time":1458668856463,"messaging":[{"sender":{"id":"PSID"},"recipient":{"id":"` + page + `"},"timestamp":1458668856463,"read":{"watermark":1458668856253}}]}]}`,
			`{"object":"page","entry":[{"id":"` + page + `","time":1458668856451,"messaging":[{"sender":{"id":"PSID"},"recipient":{"id":"` + page + `"},"delivery":{"mids":["mid.1458668856218:ed81099e15d3f4f233"],"watermark":1458668856253}}]}]}`,
			`{"object":"page","entry":[{"id":"` + page + `","time":1457764198246,"messaging":[{"sender":{"id":"` + page + `"},"recipient":{"id":"PSID"},"timestamp":1457764197627,"message":{"is_echo":true,"app_id":1517776481860111,"metadata":"DEVELOPER_DEFINED_METADATA_STRING","mid":"mid.1457764197618:41d102a3e1ae206a38","text":"hello, world!"}}]}]}`,
			`{"object":"page","entry":[{"id":"999","time":1,"messaging":[{"sender":{"id":"PSID"},"recipient":{"id":"999"},"timestamp":1,"message":{"mid":"m_x","text":"hi"}}]}]}`,
		} {
			b.deliver(t, body)
		}
		events := b.project(t, false)
		for _, e := range events {
			require.True(t, messenger.IsDeliveryStream(e.StreamID), e.StreamID) // nothing else appended
		}
	})
}
