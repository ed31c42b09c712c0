package messenger_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/messenger"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	secret, body := []byte("app-secret"), []byte(`{"object":"page","entry":[]}`)
	sig := messenger.Sign(secret, body)
	require.NoError(t, messenger.Verify(secret, body, sig))
	require.ErrorIs(t, messenger.Verify(secret, append(body, ' '), sig), messenger.ErrBadSignature)
	require.ErrorIs(t, messenger.Verify([]byte("other"), body, sig), messenger.ErrBadSignature)
	require.ErrorIs(t, messenger.Verify(secret, body, "sha1="+sig[7:]), messenger.ErrBadSignature)
	require.ErrorIs(t, messenger.Verify(secret, body, "sha256=zz"), messenger.ErrBadSignature)
	require.ErrorIs(t, messenger.Verify(secret, body, ""), messenger.ErrMissingSignature)
	require.ErrorIs(t, messenger.Verify(nil, body, sig), messenger.ErrNoSecret)
}

func parse(t *testing.T, name string) []messenger.Item {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	d, err := messenger.Parse(body)
	require.NoError(t, err)
	return d.Items()
}

// The payloads are the examples of Meta's webhook event reference.
func TestParseMetaExamples(t *testing.T) {
	t.Parallel()
	items := parse(t, "text.json")
	require.Equal(t, []messenger.Item{{Kind: messenger.KindMessage, Page: "PAGE_ID", PSID: "PSID",
		Mid: "mid.1457764197618:41d102a3e1ae206a38", Text: "hello, world!", Timestamp: 1458692752478}}, items)
	require.Equal(t, "hello, world!", items[0].Body())

	items = parse(t, "attachment.json")
	require.Equal(t, messenger.KindMessage, items[0].Kind)
	require.Equal(t, "image: https://scontent.xx.fbcdn.net/v/image.png", items[0].Body())

	items = parse(t, "postback.json")
	require.Equal(t, messenger.Item{Kind: messenger.KindPostback, Page: "PAGE_ID", PSID: "PSID", Mid: "m_MESSAGE-ID",
		Text: "TITLE_FOR_THE_CTA", Timestamp: 1527459824}, items[0])

	items = parse(t, "echo.json")
	require.Equal(t, messenger.Item{Kind: messenger.KindEcho, Page: "PAGE_ID", PSID: "PSID", Mid: "mid.1457764197618:41d102a3e1ae206a38",
		Text: "hello, world!", Metadata: "DEVELOPER_DEFINED_METADATA_STRING", AppID: "1517776481860111", Timestamp: 1457764197627}, items[0])

	items = parse(t, "read.json")
	require.Equal(t, messenger.Item{Kind: messenger.KindRead, Page: "PAGE_ID", PSID: "PSID", Watermark: 1458668856253, Timestamp: 1458668856463}, items[0])

	items = parse(t, "delivery.json")
	require.Equal(t, messenger.Item{Kind: messenger.KindDelivery, Page: "PAGE_ID", PSID: "PSID", Watermark: 1458668856253,
		Mids: []string{"mid.1458668856218:ed81099e15d3f4f233"}}, items[0])

	items = parse(t, "standby.json")
	require.Equal(t, messenger.KindStandby, items[0].Kind)
	require.Equal(t, "PSID", items[0].PSID)
	require.Equal(t, "PAGEID", items[0].Page)
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`not json`, `{"object":"instagram","entry":[]}`, `[]`} {
		_, err := messenger.Parse([]byte(body))
		require.ErrorIs(t, err, messenger.ErrNotMessenger, body)
	}
}

func TestThread(t *testing.T) {
	t.Parallel()
	var th messenger.Thread
	e, err := th.Open("s1", "m1", messenger.Mark{Position: 5, Item: 1})
	require.NoError(t, err)
	data := []byte(`{"sessionId":"s1","mid":"m1","at":{"position":5,"item":1}}`)
	th, err = th.Evolve(messenger.TypeThreadSessionOpened, data, 1)
	require.NoError(t, err)
	require.Equal(t, messenger.Thread{SessionID: "s1", Mid: "m1", OpenedAt: e.At, Version: 1}, th)
	_, err = th.Open("s1", "m1", e.At)
	require.ErrorIs(t, err, messenger.ErrAlreadyOpened)
	require.True(t, messenger.Mark{Position: 5}.Before(e.At))
	require.False(t, e.At.Before(messenger.Mark{Position: 5}))
	require.True(t, messenger.Mark{Commit: 1, Position: 9}.Before(messenger.Mark{Commit: 2, Position: 3}))

	id := messenger.SessionID("p", "u", "m")
	require.Equal(t, id, messenger.SessionID("p", "u", "m"))
	require.NotEqual(t, id, messenger.SessionID("p", "u", "m2"))
	require.Regexp(t, `^[A-Za-z0-9_-]{22}$`, id)
}
