package notifier_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections/notifier"
)

// streamReads records the single-stream reads through a driver.
type streamReads struct {
	eventstore.Driver
	mu    sync.Mutex
	reads []eventstore.ReadStreamParams
}

func (s *streamReads) ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error) {
	s.mu.Lock()
	s.reads = append(s.reads, *p)
	s.mu.Unlock()
	return s.Driver.ReadStream(ctx, p)
}

// An Accept of a long session reads the session's first event and its
// last ones, not the whole stream: what it shows is the transcript's end,
// with transcriptUri for the rest, whatever the session's length.
func TestAcceptReadsTheEndOfALongSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := storetest.SQLite(t, storetest.Options{})
	h := commands.NewHandler(b.Store)
	customer := fb.Participant{Nickname: "VitaliyOnv", Type: fb.ParticipantCustomer, ID: "c1", Visibility: fb.VisibilityAll, ParticipantID: "c1"}
	_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{SessionID: "s1", AgentID: "a1", Participants: []fb.Participant{customer}})
	require.NoError(t, err)
	const n = 400
	for i := 1; i <= n; i++ {
		_, err := h.Operate(ctx, commands.Request{Actor: "router"}, "s1", fb.CustomerMessage{Text: fmt.Sprint("m", i)})
		require.NoError(t, err)
	}
	_, err = h.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Accept{By: "a1", Nickname: "Anna"})
	require.NoError(t, err)
	feed, err := b.Store.ReadFeed(ctx, &eventstore.ReadFeedParams{Limit: n + 2})
	require.NoError(t, err)
	require.Len(t, feed, n+2)

	store := &streamReads{Driver: b.Store}
	nt, err := notifier.New(notifier.Config{Store: store, Prefix: "gws.v2"})
	require.NoError(t, err)
	_, err = nt.Messages(ctx, feed[:n+1]) // followed: the Accept needs no fold
	require.NoError(t, err)
	store.reads = nil
	msgs, err := nt.Messages(ctx, feed[n+1:])
	require.NoError(t, err)

	require.Len(t, store.reads, 2)
	require.Equal(t, 1, store.reads[0].Limit, "the first event, which names the customer")
	require.Greater(t, store.reads[1].FromVersion, int64(n+2-300), "only the end")
	var body struct {
		Messages []struct {
			Index int `json:"index"`
			From  struct {
				Nickname string `json:"nickname"`
			} `json:"from"`
		} `json:"messages"`
		TranscriptURI string `json:"transcriptUri"`
	}
	require.NoError(t, json.Unmarshal(msgs[2].Data, &body))
	require.Len(t, body.Messages, notifier.DefaultCatchUpMessages)
	require.Equal(t, n, body.Messages[len(body.Messages)-1].Index)
	require.Equal(t, "VitaliyOnv", body.Messages[0].From.Nickname)
	require.Equal(t, "/api/v2/facebooksessions/s1/messages", body.TranscriptURI)
}
