package audit_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/sessionlog"
)

func TestHistoryAndStateAsOf(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		started := e.clock.Now()
		res := e.session(t, "s1", "PostProcessingQueue")
		completed := started.Add(time.Minute)

		h, err := audit.History(ctx, e.store, "s1")
		require.NoError(t, err)
		require.Len(t, h, 3)
		for i, want := range []struct {
			typ, actor string
			ref        int64
			queue      string
			at         time.Time
		}{
			{fb.TypeSessionStarted, "router", 0, "", started},
			{fb.TypeSessionEnded, "a1", res.ReferenceID, "", completed},
			{fb.TypeQueuedTo, "a1", res.ReferenceID, "PostProcessingQueue", completed},
		} {
			require.Equal(t, int64(i+1), h[i].Version)
			require.Equal(t, want.typ, h[i].Type)
			require.Equal(t, want.actor, h[i].Actor)
			require.Equal(t, want.ref, h[i].ReferenceID)
			require.Equal(t, want.queue, h[i].Queue)
			require.True(t, want.at.Equal(h[i].Time), "%s at %s", h[i].Type, h[i].Time)
			require.True(t, h[i].Verified)
		}
		_, err = audit.History(ctx, e.store, "nope")
		require.ErrorIs(t, err, audit.ErrNoSession)

		for _, tc := range []struct {
			name    string
			at      time.Time
			version int64
			state   fb.Status
			ended   bool
			at3     int64
		}{
			{name: "when started", at: started, state: fb.StatusChatting, at3: 1},
			{name: "between", at: started.Add(30 * time.Second), state: fb.StatusChatting, at3: 1},
			{name: "when completed", at: completed, state: fb.StatusCompleted, ended: true, at3: 3},
			{name: "long after", at: completed.Add(time.Hour), state: fb.StatusCompleted, ended: true, at3: 3},
			{name: "version 1", version: 1, state: fb.StatusChatting, at3: 1},
			{name: "version 2", version: 2, state: fb.StatusChatting, ended: true, at3: 2},
			{name: "version 3", version: 3, state: fb.StatusCompleted, ended: true, at3: 3},
		} {
			s, v, err := audit.StateAt(ctx, e.store, "s1", tc.at, tc.version)
			require.NoError(t, err, tc.name)
			require.Equal(t, tc.state, s.Status, tc.name)
			require.Equal(t, tc.ended, s.Ended, tc.name)
			require.Equal(t, tc.at3, v, tc.name)
		}
		_, _, err = audit.StateAt(ctx, e.store, "s1", started.Add(-time.Second), 0)
		require.ErrorIs(t, err, audit.ErrNoSession, "before it existed")
	})
}

func TestVerify(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, id := range []string{"s1", "s2", "s3"} {
			e.session(t, id, "")
		}
		ok, err := audit.Verify(ctx, e.store, audit.VerifyParams{KeepHeads: true})
		require.NoError(t, err)
		require.True(t, ok.OK(), "%+v", ok.Problems)
		require.Equal(t, int64(3), ok.Streams)
		require.Equal(t, int64(9), ok.Events)
		require.Equal(t, int64(3), ok.Views)
		require.Len(t, ok.Heads, 3)
		again, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
		require.NoError(t, err)
		require.Equal(t, ok.Digest, again.Digest, "the heads digest is stable")

		one, err := audit.Verify(ctx, e.store, audit.VerifyParams{SessionID: "s2"})
		require.NoError(t, err)
		require.True(t, one.OK())
		require.Equal(t, int64(3), one.Events)
	})
}

// Each way of tampering is caught, with the first bad position.
func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// tamper edits s2 and returns the position verify must name.
		tamper func(t *testing.T, e *env) int64
		reason string
		// headMoves: the tampering changed a stream's last event, so the
		// heads digest an auditor kept no longer matches.
		headMoves bool
	}{
		{"edited data", func(t *testing.T, e *env) int64 {
			ev := e.events(t, "s2")
			e.tamper(t, `UPDATE events SET data = $1 WHERE position = $2`, `{"sessionId":"s2","queueName":"forged"}`, ev[1].Position)
			return ev[1].Position
		}, "hash", false},
		{"edited metadata", func(t *testing.T, e *env) int64 {
			ev := e.events(t, "s2")
			e.tamper(t, `UPDATE events SET metadata = $1 WHERE position = $2`, `{"actor":"mallory"}`, ev[2].Position)
			return ev[2].Position
		}, "hash", false},
		{"deleted event", func(t *testing.T, e *env) int64 {
			ev := e.events(t, "s2")
			e.tamper(t, `DELETE FROM events WHERE position = $1`, ev[1].Position)
			return ev[2].Position
		}, "version 3 follows version 1", false},
		{"reordered events", func(t *testing.T, e *env) int64 {
			ev := e.events(t, "s2")
			e.tamper(t, `UPDATE events SET stream_version = 99 WHERE position = $1`, ev[1].Position)
			e.tamper(t, `UPDATE events SET stream_version = 2 WHERE position = $1`, ev[2].Position)
			e.tamper(t, `UPDATE events SET stream_version = 3 WHERE position = $1`, ev[1].Position)
			return ev[2].Position
		}, "hash", true},
		{"truncated stream", func(t *testing.T, e *env) int64 {
			ev := e.events(t, "s2")
			e.tamper(t, `DELETE FROM events WHERE position = $1`, ev[2].Position)
			return ev[1].Position
		}, "read model is at version 3, the log at 2", true},
		{"edited read model", func(t *testing.T, e *env) int64 {
			ev := e.events(t, "s2")
			e.tamper(t, `UPDATE stream_views SET document = $1 WHERE stream_id = $2`, `{"state":"Chatting"}`, sessionlog.StreamID("s2"))
			return ev[2].Position
		}, "read model differs", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachStore(t, func(t *testing.T, e *env) {
				ctx := context.Background()
				for _, id := range []string{"s1", "s2", "s3"} {
					e.session(t, id, "")
				}
				before, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
				require.NoError(t, err)
				require.True(t, before.OK())

				want := tc.tamper(t, e)
				r, err := audit.Verify(ctx, e.store, audit.VerifyParams{})
				require.NoError(t, err)
				require.False(t, r.OK())
				require.Equal(t, want, r.Problems[0].Position, "%+v", r.Problems)
				require.Equal(t, sessionlog.StreamID("s2"), r.Problems[0].StreamID)
				require.Contains(t, r.Problems[0].Reason, tc.reason)
				if tc.headMoves {
					require.NotEqual(t, before.Digest, r.Digest, "the heads digest moves")
				} else {
					require.Equal(t, before.Digest, r.Digest, "heads untouched: the chains tell")
				}
			})
		})
	}
}

// An export verifies with nothing but the documented algorithm.
func TestExportVerifiesIndependently(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.session(t, "s1", "Q")
		e.session(t, "s2", "")
		var buf bytes.Buffer
		n, err := audit.Export(ctx, e.store, &buf, audit.ExportParams{})
		require.NoError(t, err)
		require.Equal(t, int64(6), n)

		prev := map[string][]byte{}
		sc := bufio.NewScanner(&buf)
		lines := 0
		for sc.Scan() {
			var x audit.Exported
			require.NoError(t, json.Unmarshal(sc.Bytes(), &x))
			h := independentHash(t, prev[x.StreamID], x)
			require.Equal(t, x.Hash, hex.EncodeToString(h), "line %d", lines)
			prev[x.StreamID] = h
			lines++
		}
		require.Equal(t, 6, lines)

		buf.Reset()
		since := time.Date(2026, 11, 24, 9, 1, 0, 0, time.UTC)
		n, err = audit.Export(ctx, e.store, &buf, audit.ExportParams{Since: since, Until: since.Add(time.Minute)})
		require.NoError(t, err)
		require.Equal(t, int64(3), n, "s1's Complete at 9:01 and s2's intake at 9:02")
	})
}

// independentHash is docs/AUDIT.md's algorithm, written from the document.
func independentHash(t *testing.T, prev []byte, x audit.Exported) []byte {
	t.Helper()
	if prev == nil {
		prev = make([]byte, 32)
	}
	id, err := uuid.Parse(x.EventID)
	require.NoError(t, err)
	var b bytes.Buffer
	b.Write(prev)
	str := func(s string) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(s)))
		b.WriteString(s)
	}
	num := func(v int64) { _ = binary.Write(&b, binary.BigEndian, v) }
	str(x.StreamID)
	num(x.Version)
	b.Write(id[:])
	str(x.Type)
	num(int64(x.SchemaVersion))
	num(x.RecordedAtMicros)
	str(x.Data)
	str(x.Metadata)
	sum := sha256.Sum256(b.Bytes())
	return sum[:]
}
