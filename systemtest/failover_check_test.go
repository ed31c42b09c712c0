package systemtest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// A change is named as its notifications' Fbsession-Change header and
// unkeyed Nats-Msg-Id name it (docs/NATS.md): "<stream>:<version>/<tag>",
// the version and the first 8 bytes of the hash of its last event.
// Another change at the same version, written after a failover lost the
// first, has another name.
func changeName(stream string, version int64, hash []byte) string {
	return stream + ":" + strconv.FormatInt(version, 10) + "/" + hex.EncodeToString(hash[:8])
}

// changeOfMsgID is the name of the change a message's unkeyed
// Nats-Msg-Id belongs to ("<stream>:<version>[:<index>:<kind>]/<tag>"),
// false for another form.
func changeOfMsgID(id string) (string, bool) {
	head, tag, ok := strings.Cut(id, "/")
	parts := strings.Split(head, ":")
	if !ok || (len(parts) != 2 && len(parts) != 4) || tag == "" {
		return "", false
	}
	return parts[0] + ":" + parts[1] + "/" + tag, true
}

// logChange is a change of a session in the log: its stream and
// referenceId (0 for intake).
type logChange struct {
	stream      string
	referenceID int64
	intake      bool
}

// readLogChanges reads the sessions' changes from the log at dbURL, by
// name: consecutive events of one stream in one transaction, as the
// notifier splits them.
func readLogChanges(ctx context.Context, t *testing.T, dbURL string) map[string]logChange {
	t.Helper()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT stream_id, stream_version, hash, transaction_id::text, event_type,
			coalesce((metadata::json->>'referenceId')::bigint, 0)
		FROM events WHERE stream_id LIKE 'facebooksession-%' ORDER BY transaction_id, position`)
	require.NoError(t, err)
	changes := map[string]logChange{}
	var last struct {
		stream, tx string
		version    int64
		hash       []byte
		change     logChange
	}
	flush := func() {
		if last.stream != "" {
			changes[changeName(last.stream, last.version, last.hash)] = last.change
		}
	}
	for rows.Next() {
		var stream, tx, typ string
		var version, ref int64
		var hash []byte
		require.NoError(t, rows.Scan(&stream, &version, &hash, &tx, &typ, &ref))
		if stream != last.stream || tx != last.tx {
			flush()
			last.stream, last.tx, last.change = stream, tx, logChange{stream: stream}
		}
		last.version, last.hash = version, hash
		last.change.intake = last.change.intake || typ == "SessionStarted"
		if ref != 0 {
			last.change.referenceID = ref
		}
	}
	require.NoError(t, rows.Err())
	flush()
	return changes
}

// streamWatch reads the notification stream as it fills, from its
// start, with an ordered consumer: every message JetStream stored, by
// the change it belongs to, with the referenceId it carries.
type streamWatch struct {
	stream jetstream.Stream
	cc     jetstream.ConsumeContext

	mu           sync.Mutex
	lastSeq      uint64
	notified     map[string]int64 // change name: referenceId (0 for none)
	unclassified int              // sessions' messages that name no change
	// resynced are the streams corrective StatusChanges were published
	// for (docs/HA.md), and resyncs how many.
	resynced map[string]bool
	resyncs  int
}

// watchStream starts reading fbsessiond's stream on the NATS server at
// natsURL; it stops when t ends.
func watchStream(ctx context.Context, t *testing.T, natsURL string) *streamWatch {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	w := &streamWatch{notified: map[string]int64{}, resynced: map[string]bool{}}
	w.stream, err = js.Stream(ctx, streamName)
	require.NoError(t, err)
	cons, err := w.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	w.cc, err = cons.Consume(w.take)
	require.NoError(t, err)
	t.Cleanup(w.cc.Stop)
	return w
}

func (w *streamWatch) take(m jetstream.Msg) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if md, err := m.Metadata(); err == nil {
		w.lastSeq = md.Sequence.Stream
	}
	if !strings.Contains(m.Subject(), ".facebooksession.") {
		return // an agent's channels
	}
	if r := m.Headers().Get("Fbsession-Resync"); r != "" {
		w.resyncs++
		w.resynced[strings.SplitN(r, ":", 2)[0]] = true
		return
	}
	name := m.Headers().Get("Fbsession-Change")
	ok := name != ""
	if !ok {
		name, ok = changeOfMsgID(m.Headers().Get(jetstream.MsgIDHeader))
	}
	if !ok {
		w.unclassified++
		return
	}
	var body struct{ ReferenceID int64 }
	_ = json.Unmarshal(m.Data(), &body)
	w.notified[name] = body.ReferenceID
}

// caughtUp waits until the watch has read every message the stream
// holds.
func (w *streamWatch) caughtUp(ctx context.Context, t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		info, err := w.stream.Info(ctx)
		if err != nil {
			return false
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.lastSeq >= info.State.LastSeq
	}, 30*time.Second, 50*time.Millisecond, "the watch reads the whole stream")
}

// missing is how many of changes have no notification yet.
func (w *streamWatch) missing(changes map[string]logChange) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for name := range changes {
		if _, ok := w.notified[name]; !ok {
			n++
		}
	}
	return n
}

// failoverCounts are a failover run's figures, the columns of docs/HA.md's
// table.
type failoverCounts struct {
	acked int
	// lostAcked are acknowledged changes the final log lacks, or holds
	// under another referenceId.
	lostAcked int
	// ghosts are changes notified that the final log lacks.
	ghosts int
	// dropped are changes of the final log never notified (JetStream
	// took them for duplicates, or nothing published them).
	dropped int
	// reused are referenceIds given to two changes: acknowledged for
	// two requests, or carried by two changes in the log and the stream.
	reused int
	// refused are the answers that ended a session, by operation and
	// status; unclassified the sessions' messages whose id names no change.
	refused      map[string]int
	unclassified int
	// resyncs are the corrective StatusChanges published; unresynced the
	// sessions with a ghost that none corrected.
	resyncs, unresynced int
	recovery            time.Duration
	// Reported by fbsessiond: duplicates whose stored message differs,
	// and lost changes (fbsession_failover_lost_changes_total).
	differing, lostReported float64
}

// countFailover compares what the clients were told and what the stream holds
// with the final log.
func countFailover(load *lifeLoad, w *streamWatch, changes map[string]logChange) failoverCounts {
	load.mu.Lock()
	defer load.mu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	fc := failoverCounts{acked: len(load.acked), refused: load.refused, unclassified: w.unclassified, recovery: load.recovery()}

	// The final log's referenceIds by stream, and its intakes.
	refs := map[string]map[int64]bool{}
	intakes := map[string]bool{}
	for _, c := range changes {
		if refs[c.stream] == nil {
			refs[c.stream] = map[int64]bool{}
		}
		refs[c.stream][c.referenceID] = true
		intakes[c.stream] = intakes[c.stream] || c.intake
	}
	// A referenceId's owners: the changes that carry it (by name, in the
	// log and the stream) and the requests answered with it (by
	// session and operation); each owner's stream.
	owners := map[int64]map[string]string{}
	own := func(ref int64, owner, stream string) {
		if ref == 0 {
			return
		}
		if owners[ref] == nil {
			owners[ref] = map[string]string{}
		}
		owners[ref][owner] = stream
	}
	for _, a := range load.acked {
		stream := "facebooksession-" + a.session
		if a.op == "intake" {
			if !intakes[stream] {
				fc.lostAcked++
			}
			continue
		}
		if !refs[stream][a.referenceID] {
			fc.lostAcked++
		}
		own(a.referenceID, "request "+a.session+" "+a.op, stream)
	}
	fc.resyncs = w.resyncs
	ghostly := map[string]bool{}
	for name, ref := range w.notified {
		if _, ok := changes[name]; !ok {
			fc.ghosts++
			ghostly[strings.SplitN(name, ":", 2)[0]] = true
		}
		own(ref, name, strings.SplitN(name, ":", 2)[0])
	}
	for name, c := range changes {
		if _, ok := w.notified[name]; !ok {
			fc.dropped++
		}
		own(c.referenceID, name, c.stream)
	}
	for stream := range ghostly {
		if !w.resynced[stream] {
			fc.unresynced++
		}
	}
	for _, o := range owners {
		named, requests, streams := 0, 0, map[string]bool{}
		for owner, stream := range o {
			if strings.HasPrefix(owner, "request ") {
				requests++
			} else {
				named++
			}
			streams[stream] = true
		}
		if named > 1 || requests > 1 || len(streams) > 1 {
			fc.reused++
		}
	}
	return fc
}
