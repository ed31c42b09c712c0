package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
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
	"github.com/fbsession/fbsession/projections/relay"
	"github.com/fbsession/fbsession/sessionlog"
)

const page = "830180563704433"

type bundle struct {
	store    eventstore.Driver
	sessions *commands.Handler
	inbox    *inbox.Inbox
	relay    *relay.Relay
	fake     *fakegraph.Fake
	// inboxAt and relayAt are where each projector is in the feed.
	inboxAt, relayAt eventstore.Cursor
	seq              atomic.Int64
}

func setup(t *testing.T, be *storetest.Backend) *bundle {
	fake := fakegraph.New(fakegraph.Config{})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	sessions := commands.NewHandler(be.Store)
	pages := []inbox.Page{{ID: page, Token: "PAGE_TOKEN", Queue: "Social.Media"}}
	x, err := inbox.New(inbox.Config{Store: be.Store, Sessions: sessions, Pages: pages})
	require.NoError(t, err)
	r, err := relay.New(relay.Config{Store: be.Store, Sessions: sessions, Pages: pages, Graph: graph.New(srv.URL + "/v21.0"),
		Grace: 300 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond, SendTimeout: time.Second,
		Metrics: relay.NewMetrics(nil)})
	require.NoError(t, err)
	return &bundle{store: be.Store, sessions: sessions, inbox: x, relay: r, fake: fake}
}

func (b *bundle) deliver(t *testing.T, body string) {
	t.Helper()
	data, err := messenger.EncodeDelivery([]byte(body), time.Now(), "")
	require.NoError(t, err)
	_, err = b.store.Append(context.Background(), &eventstore.AppendParams{
		StreamID: messenger.DeliveryStreamPrefix + fmt.Sprint(time.Now().UnixNano(), b.seq.Add(1)), ExpectedVersion: eventstore.NoStream,
		Events: []eventstore.EventData{{Type: messenger.TypeDeliveryReceived, SchemaVersion: 1, Data: data}},
	})
	require.NoError(t, err)
}

// project runs a projector over the feed since *at; again projects the
// same page once more, as after a crash before the checkpoint.
func (b *bundle) project(t *testing.T, p interface {
	Project(context.Context, []eventstore.RecordedEvent) error
}, at *eventstore.Cursor, again bool) {
	t.Helper()
	ctx := context.Background()
	events, err := b.store.ReadFeed(ctx, &eventstore.ReadFeedParams{After: *at})
	require.NoError(t, err)
	require.NoError(t, p.Project(ctx, events))
	if again {
		require.NoError(t, p.Project(ctx, events))
	}
	if len(events) > 0 {
		*at = events[len(events)-1].Cursor()
	}
}

func (b *bundle) runInbox(t *testing.T) { b.project(t, b.inbox, &b.inboxAt, false) }
func (b *bundle) runRelay(t *testing.T) { b.project(t, b.relay, &b.relayAt, false) }

// conversation starts a Messenger session with psid, whose message was
// written at, and gives it to agent a1.
func (b *bundle) conversation(t *testing.T, psid string, at time.Time) string {
	t.Helper()
	mid := "m_" + psid
	b.deliver(t, fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"message":{"mid":%q,"text":"hello"}}]}]}`,
		page, at.UnixMilli(), psid, page, at.UnixMilli(), mid))
	b.runInbox(t)
	id := messenger.SessionID(page, psid, mid)
	ctx := context.Background()
	_, err := b.sessions.Operate(ctx, commands.Request{Actor: "router"}, id, fb.Route{AgentID: "a1"})
	require.NoError(t, err)
	_, err = b.sessions.Operate(ctx, commands.Request{Actor: "a1"}, id, fb.Accept{By: "a1", Nickname: "Ann"})
	require.NoError(t, err)
	return id
}

func (b *bundle) reply(t *testing.T, id, text string) error {
	t.Helper()
	_, err := b.sessions.Operate(context.Background(), commands.Request{Actor: "a1"}, id, fb.SendMessage{By: "a1", Text: text})
	return err
}

// events are the session's events of the given types.
func (b *bundle) events(t *testing.T, id string, types ...string) []fb.Event {
	t.Helper()
	recs, err := b.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	require.NoError(t, err)
	var out []fb.Event
	for i := range recs {
		for _, typ := range types {
			if recs[i].Type == typ {
				e, err := sessionlog.Decode(recs[i].Type, recs[i].SchemaVersion, recs[i].Data)
				require.NoError(t, err)
				out = append(out, e)
			}
		}
	}
	return out
}

type sent struct {
	Recipient struct {
		ID string `json:"id"`
	} `json:"recipient"`
	MessagingType string `json:"messaging_type"`
	Tag           string `json:"tag"`
	Message       *struct {
		Text     string `json:"text"`
		Metadata string `json:"metadata"`
	} `json:"message"`
	SenderAction string `json:"sender_action"`
}

// messages are the text sends the fake received (sender actions left
// out), and what it answered each.
func (b *bundle) messages(t *testing.T) []sent {
	t.Helper()
	out, _ := b.messageSends(t)
	return out
}

func (b *bundle) messageSends(t *testing.T) ([]sent, []fakegraph.Send) {
	t.Helper()
	var out []sent
	var raw []fakegraph.Send
	for _, s := range b.fake.Sends() {
		require.Equal(t, "PAGE_TOKEN", s.Token)
		var m sent
		require.NoError(t, json.Unmarshal(s.Body, &m))
		if m.Message != nil {
			out, raw = append(out, m), append(raw, s)
		}
	}
	return out, raw
}

// ids are the message ids the fake answered the text sends with.
func (b *bundle) ids(t *testing.T) []string {
	_, raw := b.messageSends(t)
	var ids []string
	for _, s := range raw {
		ids = append(ids, s.MessageID)
	}
	return ids
}

func TestWindowsAndOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		b := setup(t, be)
		now := time.Now()
		fresh := b.conversation(t, "PSID_FRESH", now.Add(-time.Hour))
		dayOld := b.conversation(t, "PSID_DAY", now.Add(-30*time.Hour))
		weekOld := b.conversation(t, "PSID_WEEK", now.Add(-8*24*time.Hour))
		require.NoError(t, b.reply(t, fresh, "Hi, how can I help?"))
		require.NoError(t, b.reply(t, dayOld, "Sorry for the wait"))
		err := b.reply(t, weekOld, "Too late")
		require.ErrorIs(t, err, fb.ErrInvalidState)
		require.ErrorContains(t, err, "more than 7 days old")

		b.project(t, b.relay, &b.relayAt, true) // a page projected twice sends nothing twice
		b.runRelay(t)
		msgs := b.messages(t)
		require.Len(t, msgs, 2)
		require.Equal(t, "PSID_FRESH", msgs[0].Recipient.ID)
		require.Equal(t, fb.MessagingResponse, msgs[0].MessagingType)
		require.Empty(t, msgs[0].Tag)
		require.Equal(t, messenger.RelayMetadata(fresh, 1), msgs[0].Message.Metadata)
		require.Equal(t, "Hi, how can I help?", msgs[0].Message.Text)
		require.Equal(t, "PSID_DAY", msgs[1].Recipient.ID)
		require.Equal(t, fb.MessagingMessageTag, msgs[1].MessagingType)
		require.Equal(t, fb.TagHumanAgent, msgs[1].Tag)

		require.Equal(t, []fb.Event{
			fb.MessageSending{Index: 1, Attempt: 1, MessagingType: fb.MessagingResponse},
			fb.MessageRelayed{Index: 1, MessageID: b.ids(t)[0], MessagingType: fb.MessagingResponse},
		}, b.events(t, fresh, fb.TypeMessageSending, fb.TypeMessageRelayed))
		require.Equal(t, []fb.Event{
			fb.MessageSending{Index: 1, Attempt: 1, MessagingType: fb.MessagingMessageTag, Tag: fb.TagHumanAgent},
			fb.MessageRelayed{Index: 1, MessageID: b.ids(t)[1], MessagingType: fb.MessagingMessageTag, Tag: fb.TagHumanAgent},
		}, b.events(t, dayOld, fb.TypeMessageSending, fb.TypeMessageRelayed))

		// A session of the integration API is not relayed.
		_, err = b.sessions.Start(context.Background(), commands.Request{Actor: "intake"}, fb.Start{SessionID: "plain1", AgentID: "a1",
			Status: fb.StatusChatting, UserData: json.RawMessage(`{"_facebookActorId":"X","_facebookSourceId":"` + page + `"}`)})
		require.NoError(t, err)
		require.NoError(t, b.reply(t, "plain1", "not relayed"))
		b.runRelay(t)
		require.Len(t, b.messages(t), 2)
	})
}

func TestRetriedAndUndeliverable(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		b := setup(t, be)
		id := b.conversation(t, "PSID_1", time.Now())
		b.runRelay(t) // mark_seen of the Accept
		b.fake.Fail(fakegraph.Failure{Code: 613, Count: 2})
		b.fake.Fail(fakegraph.Failure{Status: 503, Count: 1})
		require.NoError(t, b.reply(t, id, "one"))
		b.runRelay(t)
		require.Equal(t, []string{"", "", "", "m_fake00000002"}, b.ids(t)) // 613, 613, 503, then sent (1 was mark_seen)
		relayed := b.events(t, id, fb.TypeMessageRelayed)
		require.Len(t, relayed, 1)
		require.Equal(t, b.ids(t)[3], relayed[0].(fb.MessageRelayed).MessageID)

		b.fake.Fail(fakegraph.Failure{Code: 551, Count: 1})
		require.NoError(t, b.reply(t, id, "two"))
		b.runRelay(t)
		require.Len(t, b.messages(t), 5, "551 is not retried")
		require.Equal(t, []fb.Event{fb.MessageUndeliverable{Index: 2, Code: 551, Reason: "This person isn't available right now."}},
			b.events(t, id, fb.TypeMessageUndeliverable))

		b.fake.Fail(fakegraph.Failure{Code: 10, Subcode: 2018278, Count: 1})
		require.NoError(t, b.reply(t, id, "three"))
		b.runRelay(t)
		und := b.events(t, id, fb.TypeMessageUndeliverable)
		require.Len(t, und, 2)
		require.Equal(t, graph.CodeOutsideWindow, und[1].(fb.MessageUndeliverable).Code)
	})
}

func TestPageDownRepliesWait(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		b := setup(t, be)
		id := b.conversation(t, "PSID_1", time.Now())
		b.runRelay(t) // mark_seen of the Accept
		b.fake.Fail(fakegraph.Failure{Code: 190, Count: 6})
		require.NoError(t, b.reply(t, id, "one"))
		require.NoError(t, b.reply(t, id, "two"))
		done := make(chan struct{})
		go func() { defer close(done); b.runRelay(t) }()
		require.Eventually(t, func() bool { return b.relay.Health().Check() != nil }, 5*time.Second, 5*time.Millisecond, "the Page's channel down")
		<-done
		require.NoError(t, b.relay.Health().Check(), "up again once a send passed")
		msgs, raw := b.messageSends(t)
		n := len(msgs)
		require.Equal(t, 8, n) // 6 refused, then both
		for _, s := range raw[:n-2] {
			require.Equal(t, 190, s.Error)
		}
		require.Equal(t, "one", msgs[n-2].Message.Text)
		require.Equal(t, "two", msgs[n-1].Message.Text)
		require.Len(t, b.events(t, id, fb.TypeMessageRelayed), 2)
		require.Empty(t, b.events(t, id, fb.TypeMessageUndeliverable))
	})
}

// echo is message_echoes of the Page's message mid to psid, with metadata.
func echo(psid, mid, text, metadata string) string {
	m, _ := json.Marshal(map[string]any{"is_echo": true, "app_id": 1517776481860111, "mid": mid, "text": text, "metadata": metadata})
	return fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":1,"messaging":[{"sender":{"id":%q},"recipient":{"id":%q},"timestamp":%d,"message":%s}]}]}`,
		page, page, psid, time.Now().UnixMilli(), m)
}

func TestCrashBetweenSendAndRecord(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		b := setup(t, be)
		ctx := context.Background()
		withEcho := b.conversation(t, "PSID_ECHO", time.Now())
		noEcho := b.conversation(t, "PSID_LOST", time.Now())
		// The relay recorded its intents and crashed: the first send left
		// (its echo comes), the second did not. Both intents are recorded
		// after before: the grace runs from them.
		before := time.Now()
		for _, id := range []string{withEcho, noEcho} {
			require.NoError(t, b.reply(t, id, "reply"))
			_, err := b.sessions.Operate(ctx, commands.Request{Actor: relay.Actor, IdempotencyKey: "sending:1:1"}, id,
				fb.RelaySending{Index: 1, Attempt: 1, MessagingType: fb.MessagingResponse})
			require.NoError(t, err)
		}
		b.deliver(t, echo("PSID_ECHO", "m_echoed", "reply", messenger.RelayMetadata(withEcho, 1)))
		b.runInbox(t)
		b.runRelay(t)
		require.GreaterOrEqual(t, time.Since(before), 250*time.Millisecond, "the unconfirmed send waited its grace, from its intent")

		msgs := b.messages(t)
		require.Len(t, msgs, 1, "only the send no echo confirmed goes again")
		require.Equal(t, "PSID_LOST", msgs[0].Recipient.ID)
		require.Equal(t, []fb.Event{fb.MessageRelayed{Index: 1, MessageID: "m_echoed", MessagingType: fb.MessagingResponse}},
			b.events(t, withEcho, fb.TypeMessageRelayed))
		require.Equal(t, []fb.Event{
			fb.MessageSending{Index: 1, Attempt: 1, MessagingType: fb.MessagingResponse},
			fb.MessageSending{Index: 1, Attempt: 2, MessagingType: fb.MessagingResponse},
			fb.MessageRelayed{Index: 1, MessageID: b.ids(t)[0], MessagingType: fb.MessagingResponse},
		}, b.events(t, noEcho, fb.TypeMessageSending, fb.TypeMessageRelayed))

		// The echo of the send that went again, after: recorded once.
		b.deliver(t, echo("PSID_LOST", b.ids(t)[0], "reply", messenger.RelayMetadata(noEcho, 1)))
		b.runInbox(t)
		require.Len(t, b.events(t, noEcho, fb.TypeMessageRelayed), 1)
	})
}

func TestPageInboxEchoReceiptsAndActions(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		b := setup(t, be)
		ctx := context.Background()
		id := b.conversation(t, "PSID_1", time.Now())
		_, err := b.sessions.Operate(ctx, commands.Request{Actor: "a1"}, id, fb.StartTyping{By: "a1"})
		require.NoError(t, err)
		b.deliver(t, echo("PSID_1", "m_inbox", "typed in the Page inbox", ""))
		b.deliver(t, fmt.Sprintf(`{"object":"page","entry":[{"id":%q,"time":1,"messaging":[{"sender":{"id":"PSID_1"},"recipient":{"id":%q},"timestamp":1,"read":{"watermark":1458668856253}}]}]}`, page, page))
		b.runInbox(t)
		b.project(t, b.inbox, &b.inboxAt, true)
		b.runRelay(t)

		msgs := b.events(t, id, fb.TypeAgentMessageSent)
		require.Len(t, msgs, 1)
		m := msgs[0].(fb.AgentMessageSent).Message
		require.Equal(t, []any{1, fb.PageNickname, page, "typed in the Page inbox"}, []any{m.Index, m.Nickname, m.ParticipantID, m.Text})
		require.Equal(t, []fb.Event{fb.CustomerRead{Watermark: time.UnixMilli(1458668856253).UTC()}}, b.events(t, id, fb.TypeCustomerRead))

		require.Empty(t, b.messages(t), "a Page-inbox message is not sent again")
		var actions []string
		for _, s := range b.fake.Sends() {
			var m sent
			require.NoError(t, json.Unmarshal(s.Body, &m))
			actions = append(actions, m.SenderAction)
		}
		require.Equal(t, []string{"mark_seen", "typing_on"}, actions)
	})
}
