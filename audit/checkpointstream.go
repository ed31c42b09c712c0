package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers of the checkpoint messages.
const (
	checkpointIDHeader  = "Fbsession-Checkpoint"
	headsSeqsHeader     = "Fbsession-Heads-Seqs"
	maxHeadsChunkBytes  = 512 << 10 // half of NATS's default max_payload
	defaultCheckpointSt = "FBSESSION_CHECKPOINTS"
)

// ErrNoCheckpoint: the stream holds no checkpoint yet.
var ErrNoCheckpoint = errors.New("audit: no checkpoint published")

// CheckpointStream keeps signed checkpoints in a JetStream stream, out of
// the database's reach. A checkpoint is published as its heads, in chunks
// of at most 512 KB on <Prefix>.checkpoints.heads.<id>, then its signed
// statement on <Prefix>.checkpoints.signed, which lists the chunks'
// sequence numbers: a statement is published only once its heads are.
type CheckpointStream struct {
	JetStream jetstream.JetStream
	// Stream is the JetStream stream, FBSESSION_CHECKPOINTS by default.
	Stream string
	// Prefix of the subjects, "gws.v2" by default.
	Prefix string
	// MaxAge bounds how long checkpoints are kept; 0 keeps them forever.
	MaxAge time.Duration
}

func (s *CheckpointStream) stream() string {
	if s.Stream == "" {
		return defaultCheckpointSt
	}
	return s.Stream
}

func (s *CheckpointStream) subject(rest string) string {
	prefix := s.Prefix
	if prefix == "" {
		prefix = "gws.v2"
	}
	return prefix + ".checkpoints." + rest
}

// Ensure creates the stream, or updates its configuration. Deletes and
// purges through the JetStream API are denied on it.
func (s *CheckpointStream) Ensure(ctx context.Context) error {
	_, err := s.JetStream.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        s.stream(),
		Description: "fbsession signed checkpoints of the event log (docs/AUDIT.md)",
		Subjects:    []string{s.subject(">")},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      s.MaxAge,
		DenyDelete:  true,
		DenyPurge:   true,
		Duplicates:  time.Minute,
	})
	if err != nil {
		return fmt.Errorf("checkpoint stream %s: %w", s.stream(), err)
	}
	return nil
}

// Publish stores c in the stream.
func (s *CheckpointStream) Publish(ctx context.Context, c *SignedCheckpoint) error {
	id := c.ID()
	var seqs []string
	for i, chunk := range headChunks(c.Heads) {
		msg := nats.NewMsg(s.subject("heads." + id))
		msg.Data = chunk
		msg.Header.Set(checkpointIDHeader, id)
		msg.Header.Set(jetstream.MsgIDHeader, id+"-"+strconv.Itoa(i))
		ack, err := s.JetStream.PublishMsg(ctx, msg)
		if err != nil {
			return fmt.Errorf("publish checkpoint %s heads: %w", id, err)
		}
		seqs = append(seqs, strconv.FormatUint(ack.Sequence, 10))
	}
	statement := *c
	statement.Heads = nil
	data, err := json.Marshal(&statement)
	if err != nil {
		return err
	}
	msg := nats.NewMsg(s.subject("signed"))
	msg.Data = data
	msg.Header.Set(checkpointIDHeader, id)
	msg.Header.Set(headsSeqsHeader, strings.Join(seqs, ","))
	msg.Header.Set(jetstream.MsgIDHeader, id)
	if _, err := s.JetStream.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("publish checkpoint %s: %w", id, err)
	}
	return nil
}

// headChunks splits heads into JSON arrays of at most maxHeadsChunkBytes
// (one head never exceeds it: stream ids are short).
func headChunks(heads []Head) [][]byte {
	var chunks [][]byte
	chunk := []byte{'['}
	for i := range heads {
		h, _ := json.Marshal(&heads[i])
		if len(chunk) > 1 && len(chunk)+len(h)+2 > maxHeadsChunkBytes {
			chunks = append(chunks, append(chunk, ']'))
			chunk = []byte{'['}
		}
		if len(chunk) > 1 {
			chunk = append(chunk, ',')
		}
		chunk = append(chunk, h...)
	}
	return append(chunks, append(chunk, ']'))
}

// Latest reads the newest checkpoint with its heads. It does not check
// the signature: VerifySince does, with the public key.
func (s *CheckpointStream) Latest(ctx context.Context) (*SignedCheckpoint, error) {
	st, err := s.JetStream.Stream(ctx, s.stream())
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, ErrNoCheckpoint
	}
	if err != nil {
		return nil, err
	}
	raw, err := st.GetLastMsgForSubject(ctx, s.subject("signed"))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, ErrNoCheckpoint
	}
	if err != nil {
		return nil, fmt.Errorf("latest checkpoint: %w", err)
	}
	var c SignedCheckpoint
	if err := json.Unmarshal(raw.Data, &c); err != nil {
		return nil, fmt.Errorf("latest checkpoint (sequence %d): %w", raw.Sequence, err)
	}
	c.Heads = []Head{}
	for _, field := range strings.Split(raw.Header.Get(headsSeqsHeader), ",") {
		seq, err := strconv.ParseUint(field, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("latest checkpoint (sequence %d): heads %q: %w", raw.Sequence, field, err)
		}
		chunk, err := st.GetMsg(ctx, seq)
		if err != nil {
			return nil, fmt.Errorf("latest checkpoint heads (sequence %d): %w", seq, err)
		}
		var heads []Head
		if err := json.Unmarshal(chunk.Data, &heads); err != nil {
			return nil, fmt.Errorf("latest checkpoint heads (sequence %d): %w", seq, err)
		}
		c.Heads = append(c.Heads, heads...)
	}
	return &c, nil
}
