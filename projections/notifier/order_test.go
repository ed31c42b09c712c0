package notifier_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
	"github.com/fbsession/fbsession/sessionlog"
)

// fault is what goes wrong with the first publish of the chosen change.
type fault int

const (
	// faultError: the future reports an error, once the test releases it.
	faultError fault = iota
	// faultNoAck: the message never reaches the server and no ack comes.
	faultNoAck
	// faultAckLost: the server stores the message but its ack is lost, as
	// when the stream's leader changes mid-page.
	faultAckLost
)

// faultyJetStream is a real JetStream whose first publish of one change
// goes wrong, and which records every publish.
type faultyJetStream struct {
	jetstream.JetStream
	target  string // Nats-Msg-Id of the change, without its tag
	fault   fault
	release chan struct{} // faultError reports once it is closed

	mu       sync.Mutex
	faulted  bool
	attempts []string // Nats-Msg-Id of every publish, in order, without their tags
}

func (j *faultyJetStream) PublishMsgAsync(m *nats.Msg, opts ...jetstream.PublishOpt) (jetstream.PubAckFuture, error) {
	id := unchanged(m.Header.Get(jetstream.MsgIDHeader))
	j.mu.Lock()
	j.attempts = append(j.attempts, id)
	first := id == j.target && !j.faulted
	if first {
		j.faulted = true
	}
	j.mu.Unlock()
	if !first {
		return j.JetStream.PublishMsgAsync(m, opts...)
	}
	f := &stuckFuture{msg: m, ok: make(chan *jetstream.PubAck), err: make(chan error, 1)}
	switch j.fault {
	case faultError:
		go func() {
			<-j.release
			f.err <- errors.New("injected: stream leader gone")
		}()
	case faultAckLost:
		if _, err := j.JetStream.PublishMsgAsync(m, opts...); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// published returns the publishes so far.
func (j *faultyJetStream) published() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.attempts...)
}

// stuckFuture is a publish whose outcome the test decides.
type stuckFuture struct {
	msg *nats.Msg
	ok  chan *jetstream.PubAck
	err chan error
}

func (f *stuckFuture) Ok() <-chan *jetstream.PubAck { return f.ok }
func (f *stuckFuture) Err() <-chan error            { return f.err }
func (f *stuckFuture) Msg() *nats.Msg               { return f.msg }

// appendRounds appends rounds changes to each of the sessions, one change
// of each session per round, so that a page mixes the sessions.
func appendRounds(t *testing.T, store eventstore.Store, sessions, rounds int) {
	t.Helper()
	ctx := context.Background()
	meta, err := sessionlog.EncodeMetadata(sessionlog.Metadata{Actor: "a1"})
	require.NoError(t, err)
	for r := 0; r < rounds; r++ {
		for s := 0; s < sessions; s++ {
			id := fmt.Sprintf("s%d", s)
			var e fb.Event = fb.SessionEnded{SessionID: id}
			switch r {
			case 0:
				e = fb.SessionStarted{SessionID: id, AgentID: "a1"}
			case rounds - 1:
				e = fb.InteractionCompleted{SessionID: id}
			}
			data, err := sessionlog.Encode(e)
			require.NoError(t, err)
			_, err = store.Append(ctx, &eventstore.AppendParams{
				StreamID: sessionlog.StreamID(id), ExpectedVersion: int64(r),
				Events: []eventstore.EventData{{Type: e.EventType(), SchemaVersion: sessionlog.SchemaVersion, Data: data, Metadata: meta}},
			})
			require.NoError(t, err)
		}
	}
}

// TestFailedPublishKeepsEachSessionInOrder: the first publish of one
// message in the middle of a page goes wrong while the messages after it,
// of its session and of others, would succeed. Each change is two
// messages (the agent's, the integration side's): the one that fails is
// the first of its change, or the second. After the runner's retry the
// stream holds every message once and each session's messages in commit
// order; the other sessions were published while the failed one waited.
func TestFailedPublishKeepsEachSessionInOrder(t *testing.T) {
	t.Parallel()
	const sessions, rounds = 4, 4
	failed := sessionlog.StreamID("s1")
	agents, integration := failed+":1", failed+":1:1:integration"
	cases := []struct {
		name     string
		fault    fault
		pageSize int
		target   string // the message that fails
	}{
		{"error", faultError, 64, agents},
		// A full page leaves its last append to the next one: each page is
		// then one round, all within the runner's InFlight.
		{"error across pages", faultError, sessions + 1, agents},
		{"no ack", faultNoAck, 64, agents},
		{"ack lost", faultAckLost, 64, agents},
		{"error within a change", faultError, 64, integration},
		{"ack lost within a change", faultAckLost, 64, integration},
	}
	for name, url := range natstest.Servers(t) {
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, newSQLiteStore(t), url)
				appendRounds(t, f.store, sessions, rounds)
				js := &faultyJetStream{JetStream: f.js, target: c.target, fault: c.fault, release: make(chan struct{})}
				n, err := notifier.New(notifier.Config{
					JetStream: js, Store: f.store, Prefix: f.prefix, Stream: f.stream, AckTimeout: time.Second,
				})
				require.NoError(t, err)
				require.NoError(t, n.EnsureStream(context.Background()))
				r, err := projections.NewRunner(projections.RunnerConfig{
					Name: "notifier", Store: f.store, Projector: n, PageSize: c.pageSize,
					RetryMin: 20 * time.Millisecond, RetryMax: 20 * time.Millisecond,
					Logger: slog.New(slog.DiscardHandler), // the failure is expected
				})
				require.NoError(t, err)
				ctx, cancel := context.WithCancel(context.Background())
				stopped := make(chan struct{})
				go func() { defer close(stopped); _ = r.Run(ctx) }()
				t.Cleanup(func() { cancel(); <-stopped })

				others := 2 * (sessions - 1) * rounds
				if c.fault == faultError {
					// The failure is reported only once every change of the
					// other sessions is stored: they are not held back.
					waitStored(t, f, others)
					close(js.release)
				}
				// The runner retried and caught up: every change is acknowledged.
				feed, err := f.store.ReadFeed(context.Background(), &eventstore.ReadFeedParams{})
				require.NoError(t, err)
				require.Eventually(t, func() bool {
					c, err := f.store.Checkpoint(context.Background(), &eventstore.CheckpointParams{Name: "notifier"})
					return err == nil && c.Position == feed[len(feed)-1].Position
				}, 30*time.Second, 10*time.Millisecond)
				msgs := f.streamMessages(2 * sessions * rounds)

				// Each message exactly once, and in commit order per
				// session on each kind of subject (the position orders the
				// changes, the index a change's messages).
				changeAt := map[int64]string{}
				for _, e := range feed {
					changeAt[e.Position] = fmt.Sprintf("%s:%d", e.StreamID, e.Version)
				}
				type place struct{ pos, index int64 }
				last := map[string]place{}
				seen := map[string]bool{}
				var order []string
				for _, m := range msgs {
					id := m.Header.Get(jetstream.MsgIDHeader)
					require.False(t, seen[id], "%s stored twice", id)
					seen[id] = true
					pos, err := strconv.ParseInt(m.Header.Get("Fbsession-Position"), 10, 64)
					require.NoError(t, err)
					index, err := strconv.ParseInt(m.Header.Get("Fbsession-Index"), 10, 64)
					require.NoError(t, err)
					require.Contains(t, changeAt, pos)
					session := strings.SplitN(changeAt[pos], ":", 2)[0] + " " + kindOf(m.Subject)
					prev := last[session]
					require.True(t, pos > prev.pos || pos == prev.pos && index > prev.index,
						"%s stored after a later message of its session; stream: %v", id, order)
					last[session] = place{pos, index}
					order = append(order, unchanged(id))
				}
				require.Len(t, last, 2*sessions)

				if c.fault != faultAckLost && c.target == agents {
					// Nothing of the failed session's agents' chain was
					// stored before its first change, which waited for the
					// retry, while every message of the others was.
					for i, id := range order[:others] {
						require.False(t, strings.HasPrefix(id, failed+":") && !strings.HasSuffix(id, ":integration"),
							"stream position %d: %v", i+1, order)
					}
				}
				// No later message of the session was handed to JetStream
				// before the failed one was published again.
				attempts := js.published()
				var firsts []int
				for i, id := range attempts {
					if id == c.target {
						firsts = append(firsts, i)
					}
				}
				require.GreaterOrEqual(t, len(firsts), 2, "the failed message was published again: %v", attempts)
				// The two chains do not wait for each other.
				later := []string{failed + ":2", failed + ":3", failed + ":4"}
				if c.target == integration {
					later = []string{failed + ":2:1:integration", failed + ":3:1:integration", failed + ":4:1:integration"}
				}
				for _, id := range attempts[:firsts[1]] {
					require.NotContains(t, later, id, "published before its session's message before it was stored: %v", attempts)
				}
			})
		}
	}
}

// waitStored waits until the stream holds at least n messages.
func waitStored(t *testing.T, f *fixture, n int) {
	t.Helper()
	s, err := f.js.Stream(context.Background(), f.stream)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		info, err := s.Info(context.Background())
		return err == nil && info.State.Msgs >= uint64(n)
	}, 30*time.Second, 10*time.Millisecond)
}

// kindOf is the kind of subject a message went to: an agent's, or the
// integration side's.
func kindOf(subject string) string {
	if strings.Contains(subject, ".integration.") {
		return "integration"
	}
	return "users"
}
