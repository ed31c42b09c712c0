package sessionview_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionview"
)

// A transcript is read from the log a page at a time, in index order,
// typing indicators left out.
func TestTranscriptPages(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		h := commands.NewHandler(b.Store, commands.WithClock(func() time.Time { return at }))
		r := commands.Request{Actor: "a1"}
		_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{SessionID: "s1", AgentID: "a1", Status: fb.StatusChatting})
		require.NoError(t, err)
		for i := 1; i <= 5; i++ {
			_, err := h.Operate(ctx, r, "s1", fb.StartTyping{By: "a1"})
			require.NoError(t, err)
			_, err = h.Operate(ctx, r, "s1", fb.SendMessage{By: "a1", Text: fmt.Sprintf("agent %d", i)})
			require.NoError(t, err)
			_, err = h.Operate(ctx, commands.Request{Actor: "router"}, "s1", fb.CustomerMessage{Text: fmt.Sprintf("customer %d", i)})
			require.NoError(t, err)
		}
		tr := sessionview.NewTranscripts(b.Store)

		all, more, err := tr.Read(ctx, "s1", sessionview.TranscriptPage{})
		require.NoError(t, err)
		require.False(t, more)
		require.Len(t, all, 10)
		for i, s := range all {
			require.Equal(t, i+1, s.Index)
		}
		require.Equal(t, "agent 1", all[0].Text)
		require.Equal(t, fb.ParticipantAgent, all[0].FromType)
		require.Equal(t, "customer 1", all[1].Text)
		require.Equal(t, fb.ParticipantCustomer, all[1].FromType)
		require.True(t, at.Equal(all[0].At))

		var got []int
		for after := 0; ; {
			page, more, err := tr.Read(ctx, "s1", sessionview.TranscriptPage{After: after, Limit: 3})
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), 3)
			for _, s := range page {
				got = append(got, s.Index)
			}
			if !more {
				break
			}
			after = page[len(page)-1].Index
		}
		require.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, got)

		past, more, err := tr.Read(ctx, "s1", sessionview.TranscriptPage{After: 10})
		require.NoError(t, err)
		require.False(t, more)
		require.Empty(t, past)
		past, _, err = tr.Read(ctx, "s1", sessionview.TranscriptPage{After: 5000})
		require.NoError(t, err)
		require.Empty(t, past)

		_, _, err = tr.Read(ctx, "nope", sessionview.TranscriptPage{})
		require.ErrorIs(t, err, fb.ErrNotFound)
	})
}

// A page ends early once its texts pass MaxTranscriptPageBytes, but
// always holds at least one message.
func TestTranscriptPageIsBoundedInBytes(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	ctx := context.Background()
	h := commands.NewHandler(b.Store)
	_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{SessionID: "s1", AgentID: "a1", Status: fb.StatusChatting})
	require.NoError(t, err)
	// 4096 characters of 4 bytes each: 16 KiB a message.
	text := strings.Repeat("😀", fb.MaxTextLength)
	const n = sessionview.MaxTranscriptPageBytes/(4*fb.MaxTextLength) + 4
	for range n {
		_, err := h.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.SendMessage{By: "a1", Text: text})
		require.NoError(t, err)
	}
	tr := sessionview.NewTranscripts(b.Store)
	page, more, err := tr.Read(ctx, "s1", sessionview.TranscriptPage{})
	require.NoError(t, err)
	require.True(t, more)
	require.Len(t, page, sessionview.MaxTranscriptPageBytes/(4*fb.MaxTextLength))
	rest, more, err := tr.Read(ctx, "s1", sessionview.TranscriptPage{After: page[len(page)-1].Index})
	require.NoError(t, err)
	require.False(t, more)
	require.Len(t, rest, 4)
}

// A transcript longer than one part of the stream reads on into the next
// part, typing indicators between messages included.
func TestTranscriptReadsAcrossParts(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	ctx := context.Background()
	h := commands.NewHandler(b.Store)
	r := commands.Request{Actor: "a1"}
	_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{SessionID: "s1", AgentID: "a1", Status: fb.StatusChatting})
	require.NoError(t, err)
	const messages = 200 // 400 events after SessionStarted: past one part of 256
	for i := 1; i <= messages; i++ {
		_, err := h.Operate(ctx, r, "s1", fb.StartTyping{By: "a1"})
		require.NoError(t, err)
		_, err = h.Operate(ctx, r, "s1", fb.SendMessage{By: "a1", Text: fmt.Sprint(i)})
		require.NoError(t, err)
	}
	tr := sessionview.NewTranscripts(b.Store)
	all, more, err := tr.Read(ctx, "s1", sessionview.TranscriptPage{})
	require.NoError(t, err)
	require.False(t, more)
	require.Len(t, all, messages)
	require.Equal(t, fmt.Sprint(messages), all[messages-1].Text)
	tail, more, err := tr.Read(ctx, "s1", sessionview.TranscriptPage{After: 150, Limit: 20})
	require.NoError(t, err)
	require.True(t, more)
	require.Equal(t, 151, tail[0].Index)
	require.Len(t, tail, 20)
}

// A customer's message names its writer by reference: a page that starts
// past the intake still shows the customer's nickname.
func TestTranscriptNamesTheCustomerOnEveryPage(t *testing.T) {
	t.Parallel()
	b := storetest.SQLite(t, storetest.Options{})
	ctx := context.Background()
	h := commands.NewHandler(b.Store)
	customer := fb.Participant{Nickname: "VitaliyOnv", Type: fb.ParticipantCustomer, ID: "c1", Visibility: fb.VisibilityAll, ParticipantID: "c1"}
	_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{SessionID: "s1", AgentID: "a1", Status: fb.StatusChatting, Participants: []fb.Participant{customer}})
	require.NoError(t, err)
	for _, text := range []string{"one", "two", "three"} {
		_, err := h.Operate(ctx, commands.Request{Actor: "router"}, "s1", fb.CustomerMessage{Text: text})
		require.NoError(t, err)
	}
	tr := sessionview.NewTranscripts(b.Store)
	for after := range 3 {
		page, _, err := tr.Read(ctx, "s1", sessionview.TranscriptPage{After: after, Limit: 1})
		require.NoError(t, err)
		require.Len(t, page, 1)
		require.Equal(t, "VitaliyOnv", page[0].Nickname, "page after %d", after)
		require.Equal(t, "c1", page[0].ParticipantID)
	}
}
