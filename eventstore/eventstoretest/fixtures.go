package eventstoretest

import (
	"fmt"
	"strings"

	"github.com/fbsession/fbsession/eventstore"
)

// payload is a JSON document of about size bytes, like a SessionStarted
// with the seed's user data (2 KB).
func payload(size int, tag string) []byte {
	pad := max(size-len(tag)-30, 0)
	return fmt.Appendf(nil, `{"tag":%q,"pad":%q}`, tag, strings.Repeat("x", pad))
}

// events returns n events of ~2 KB tagged with the stream and their index.
func events(stream string, n int) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{
			Type:          "TestEvent",
			SchemaVersion: 1,
			Data:          payload(2048, fmt.Sprintf("%s/%d", stream, i)),
			Metadata:      []byte(`{"actor":"a1","referenceId":7}`),
		}
	}
	return out
}

func appendParams(stream string, expected int64, n int) *eventstore.AppendParams {
	return &eventstore.AppendParams{StreamID: stream, ExpectedVersion: expected, Events: events(stream, n)}
}
