package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections/notifier"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/users"
)

// TestMeasureMemory is a measured run, not a check: it reports the live
// heap a process keeps after many large sessions go through the command
// handler and the notifier, and what listing them costs. Run with
// FBSESSION_MEASURE=sessions:userDataBytes (e.g. 5000:16000).
// Sessions above the intake cap are appended to the store directly, so
// only the notifier and the list see them (the handler's cache is filled
// by intakes).
func TestMeasureMemory(t *testing.T) {
	spec := os.Getenv("FBSESSION_MEASURE")
	if spec == "" {
		t.Skip("FBSESSION_MEASURE=sessions:bytes runs the measurement")
	}
	n, size := parseSpec(t, spec)
	ctx := context.Background()
	b := storetest.SQLite(t, storetest.Options{})
	for _, u := range testUsers {
		require.NoError(t, b.Users.Add(ctx, u, password))
	}
	h := commands.NewHandler(b.Store, commands.WithAgents(b.Users))
	notify, err := notifier.New(notifier.Config{Store: b.Store})
	require.NoError(t, err)

	base := liveHeap()
	viaIntake := size <= fb.MaxUserDataBytes
	for i := range n {
		id := fmt.Sprintf("m%06d", i)
		ud := userData(size, i)
		if viaIntake {
			_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1", UserData: ud})
			require.NoError(t, err)
		} else {
			appendStarted(t, b.Store, fb.SessionStarted{SessionID: id, AgentID: "a1", FacebooksessionType: "Inbound", UserData: ud, Participants: []fb.Participant{}})
		}
	}
	var after eventstore.Cursor
	for {
		page, err := b.Store.ReadFeed(ctx, &eventstore.ReadFeedParams{After: after})
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		_, err = notify.Messages(ctx, page)
		require.NoError(t, err)
		after = page[len(page)-1].Cursor()
	}
	kept := liveHeap()
	runtime.KeepAlive(notify) // its cache is what is measured
	t.Logf("MEASURE %d sessions × %d B userData (intake: %v): live heap %.1f MB before, %.1f MB after (handler cache + notifier cache), VmRSS %s",
		n, size, viaIntake, mb(base), mb(kept), procStatus("VmRSS"))

	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Commands: h, Sessions: sessionview.NewReader(b.Store),
		Auth: users.NewAuthenticator(b.Users, users.AuthenticatorConfig{}), BaseURL: "http://x",
	}))
	defer srv.Close()
	before := liveHeap()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v2/me/facebooksessions?fields=*", nil)
	require.NoError(t, err)
	req.SetBasicAuth("agent1", password)
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	written, err := io.Copy(io.Discard, res.Body)
	require.NoError(t, err)
	res.Body.Close()
	close(stop)
	<-sampled
	t.Logf("MEASURE list fields=*: status %d, %d bytes (%.1f MB), heap in use %.1f MB before, peak %.1f MB during, VmHWM %s",
		res.StatusCode, written, mb(uint64(written)), mb(before), mb(peak.Load()), procStatus("VmHWM"))
}

func parseSpec(t *testing.T, spec string) (int, int) {
	a, b, _ := strings.Cut(spec, ":")
	n, err := strconv.Atoi(a)
	require.NoError(t, err)
	size, err := strconv.Atoi(b)
	require.NoError(t, err)
	return n, size
}

// userData is a flat object of about size bytes.
func userData(size, i int) json.RawMessage {
	v := strings.Repeat("x", max(0, size-40))
	return json.RawMessage(fmt.Sprintf(`{"n":%d,"v":%q}`, i, v))
}

func appendStarted(t *testing.T, s eventstore.Store, e fb.SessionStarted) {
	t.Helper()
	body, err := sessionlog.Encode(e)
	require.NoError(t, err)
	meta, err := sessionlog.EncodeMetadata(sessionlog.Metadata{Actor: "router"})
	require.NoError(t, err)
	view, err := sessionview.Encode(fb.Evolve(fb.State{}, e))
	require.NoError(t, err)
	_, err = s.Append(context.Background(), &eventstore.AppendParams{
		StreamID: sessionlog.StreamID(e.SessionID), ExpectedVersion: eventstore.NoStream,
		Events: []eventstore.EventData{{Type: e.EventType(), SchemaVersion: sessionlog.SchemaVersion, Data: body, Metadata: meta}},
		View:   view,
	})
	require.NoError(t, err)
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func procStatus(field string) string {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
