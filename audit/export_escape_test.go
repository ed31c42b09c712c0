package audit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/eventstore"
)

// Text that reached the log before validation refused it (or through the
// owner) is exported with its bidirectional overrides and C1 controls
// escaped: the lines hold none raw, are still JSON, and decode to the
// stored bytes, so that the hashes still verify.
func TestExportEscapesHiddenCharacters(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		data := "{\"queueName\":\"Q\u202eevil\u009b31m\",\"n\":\"\U000e0001tag\"}"
		_, err := e.store.Append(ctx, &eventstore.AppendParams{StreamID: "fbsession-x1", ExpectedVersion: eventstore.NoStream,
			Events: []eventstore.EventData{{Type: "Raw", SchemaVersion: 1, Data: []byte(data), Metadata: []byte("{\"actor\":\"a\u0085b\"}")}}})
		require.NoError(t, err)

		var buf bytes.Buffer
		n, err := audit.Export(ctx, e.store, &buf, audit.ExportParams{})
		require.NoError(t, err)
		require.Equal(t, int64(1), n)
		for _, raw := range []string{"\u202e", "\u009b", "\u0085", "\U000e0001"} {
			require.NotContains(t, buf.String(), raw)
		}
		require.Contains(t, buf.String(), `Q\u202eevil\u009b31m`)
		require.Contains(t, buf.String(), `\udb40\udc01tag`)

		sc := bufio.NewScanner(&buf)
		require.True(t, sc.Scan())
		var x audit.Exported
		require.NoError(t, json.Unmarshal(sc.Bytes(), &x))
		require.Equal(t, data, x.Data)
		require.Equal(t, "{\"actor\":\"a\u0085b\"}", x.Metadata)
		require.Equal(t, x.Hash, hex.EncodeToString(independentHash(t, nil, x)))
	})
}
