package audit

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fbsession/fbsession/eventstore"
)

// CheckpointFormat names the signed statement's layout (Checkpoint.Statement)
// and what it vouches for: the heads of exactly the streams that have an
// event at or below Position, each its stream's last event there, read
// once no append was in flight. Each head's hash chains every earlier
// event of its stream, version by version, so the signed heads digest
// commits to the whole set of (stream, version, hash) at or below
// Position, and verification refuses a log whose set differs.
const CheckpointFormat = "fbsession-checkpoint/2"

// CheckpointFormatHeads is the older layout, the same statement under
// another name: its heads may miss events that committed late below
// Position on PostgreSQL, so it vouches for its heads only, and
// VerifySince checks no more against it.
const CheckpointFormatHeads = "fbsession-checkpoint/1"

var (
	// ErrLogBroken: a checkpoint is not signed over a log that does not
	// verify.
	ErrLogBroken = errors.New("audit: the log does not verify")
	// ErrBadCheckpoint: a checkpoint's signature, key or heads do not
	// check out; nothing can be verified against it.
	ErrBadCheckpoint = errors.New("audit: checkpoint refused")
)

// CheckpointLog is what a checkpoint reads of a store.
type CheckpointLog interface {
	eventstore.Store
	eventstore.Scanner
}

// SignedCheckpoint vouches, with a key kept out of the database, for the
// log up to a position, through the head of every stream there: a later
// log that still has each of those events, and no other at or below the
// position, extends it; one that lacks, changed or added any was tampered
// with.
// Heads are not signed one by one: HeadsDigest, which is signed, is over
// all of them (see Statement).
type SignedCheckpoint struct {
	Format  string    `json:"format"`
	Created time.Time `json:"created"`
	// Position is the store's Head when the checkpoint began: every later
	// log has a Head at least this high, and every head signed is an event
	// at or below it (see Checkpoint).
	Position int64 `json:"position"`
	Streams  int64 `json:"streams"`
	Events   int64 `json:"events"`
	// HeadsDigest is SHA-256 over "<stream id> <version> <hash hex>\n" of
	// every head, in byte order of the stream ids.
	HeadsDigest string `json:"headsDigest"`
	// KeyID is the first 16 bytes, in hex, of SHA-256 over the public key.
	KeyID string `json:"keyId"`
	// Signature is ed25519 over Statement().
	Signature []byte `json:"signature"`
	Heads     []Head `json:"heads"`
}

// ID names the checkpoint: the first 16 bytes, in hex, of SHA-256 over
// its statement.
func (c *SignedCheckpoint) ID() string {
	sum := sha256.Sum256(c.Statement())
	return hex.EncodeToString(sum[:16])
}

// Statement is the text the signature is over, one field a line, for an
// auditor to re-create with any tool.
func (c *SignedCheckpoint) Statement() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\ncreated %s\nposition %d\nstreams %d\nevents %d\nheads-digest %s\nkey %s\n",
		c.Format, c.Created.UTC().Format(time.RFC3339Nano), c.Position, c.Streams, c.Events, c.HeadsDigest, c.KeyID)
	return b.Bytes()
}

// KeyID is the id a checkpoint signed with pub carries.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:16])
}

// HeadsDigest is the digest a checkpoint signs over heads sorted by
// stream id.
func HeadsDigest(heads []Head) string {
	h := sha256.New()
	for _, head := range heads {
		fmt.Fprintf(h, "%s %d %s\n", head.StreamID, head.Version, head.Hash)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Checkpoint verifies every hash chain, and signs the head of every stream
// with signer, an ed25519 key (crypto.Signer, so that the key can live in
// a KMS or HSM). It refuses, with ErrLogBroken, to vouch for a log that
// does not verify.
//
// It reads the store's settled head first, as the checkpoint's Position:
// on PostgreSQL, where an append takes its position before it commits,
// it waits for the appends in flight, so that no event at or below
// Position can become visible after the scan passed its stream. Then it
// reads the whole log, leaving out the events above Position that appends
// made meanwhile: Streams, Events and the heads are exactly the log up to
// Position, and those events are verified by the next checkpoint.
func Checkpoint(ctx context.Context, s CheckpointLog, signer crypto.Signer) (*SignedCheckpoint, error) {
	pub, ok := signer.Public().(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("audit: checkpoint key is %T, not ed25519", signer.Public())
	}
	created := time.Now().UTC()
	position, err := s.SettledHead(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint: read the head: %w", err)
	}
	report, err := verify(ctx, &boundedLog{CheckpointLog: s, to: position}, nil, VerifyParams{KeepHeads: true, ChainsOnly: true})
	if err != nil {
		return nil, err
	}
	if !report.OK() {
		p := report.Problems[0]
		return nil, fmt.Errorf("%w: %d problem(s), first at position %d (%s v%d): %s", ErrLogBroken,
			report.ProblemCount, p.Position, p.StreamID, p.Version, p.Reason)
	}
	heads := report.Heads
	if heads == nil {
		heads = []Head{}
	}
	// The database's collation orders the scan; the digest needs an order
	// any auditor gets.
	slices.SortFunc(heads, func(a, b Head) int { return strings.Compare(a.StreamID, b.StreamID) })
	c := &SignedCheckpoint{
		Format: CheckpointFormat, Created: created, Position: position,
		Streams: report.Streams, Events: report.Events,
		HeadsDigest: HeadsDigest(heads), KeyID: KeyID(pub), Heads: heads,
	}
	if c.Signature, err = signer.Sign(rand.Reader, c.Statement(), crypto.Hash(0)); err != nil {
		return nil, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	return c, nil
}

// Check verifies the checkpoint's signature with pub and its heads against
// the signed digest: whatever passes is what the key's holder signed.
func (c *SignedCheckpoint) Check(pub ed25519.PublicKey) error {
	switch {
	case c.Format != CheckpointFormat && c.Format != CheckpointFormatHeads:
		return fmt.Errorf("%w: format %q, want %q", ErrBadCheckpoint, c.Format, CheckpointFormat)
	case c.KeyID != KeyID(pub):
		return fmt.Errorf("%w: signed by key %s, the public key given is %s", ErrBadCheckpoint, c.KeyID, KeyID(pub))
	case !ed25519.Verify(pub, c.Statement(), c.Signature):
		return fmt.Errorf("%w: the signature does not verify", ErrBadCheckpoint)
	case !slices.IsSortedFunc(c.Heads, func(a, b Head) int { return strings.Compare(a.StreamID, b.StreamID) }):
		return fmt.Errorf("%w: heads are not sorted by stream id", ErrBadCheckpoint)
	case int64(len(c.Heads)) != c.Streams || HeadsDigest(c.Heads) != c.HeadsDigest:
		return fmt.Errorf("%w: the heads (%d) are not those signed (%d, digest %s)", ErrBadCheckpoint, len(c.Heads), c.Streams, c.HeadsDigest)
	}
	for i := 1; i < len(c.Heads); i++ {
		if c.Heads[i].StreamID == c.Heads[i-1].StreamID {
			return fmt.Errorf("%w: stream %s has two heads", ErrBadCheckpoint, c.Heads[i].StreamID)
		}
	}
	return nil
}

// VerifySince does what Verify does, and also proves that the log extends
// the checkpoint: every stream the checkpoint lists still has, at the
// version it signed, an event with the hash it signed, reached by an
// intact chain, and the log's Head has not gone back. A forged chain, a
// deleted stream or a truncated one shows as a Problem naming the stream.
// Against a CheckpointFormat checkpoint the log's events at or below its
// position must also be exactly those it signed: an event slipped in
// below it, in a stream it lists or in one it does not, is a Problem, and
// so is a count of events there other than the one signed.
// A checkpoint that does not check out with pub is refused with
// ErrBadCheckpoint before anything is read.
func VerifySince(ctx context.Context, s Log, c *SignedCheckpoint, pub ed25519.PublicKey, p VerifyParams) (*Report, error) {
	if err := c.Check(pub); err != nil {
		return nil, err
	}
	if p.SessionID != "" {
		return nil, errors.New("audit: a checkpoint is verified against the whole log, not one session")
	}
	position, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	p.since = c.Heads
	if c.Format == CheckpointFormat {
		p.sinceSet = &signedSet{position: c.Position, events: c.Events}
	}
	r, err := Verify(ctx, s, p)
	if err != nil {
		return nil, err
	}
	r.Checkpoint = &CheckpointRef{ID: c.ID(), Format: c.Format, Created: c.Created, Position: c.Position, Streams: c.Streams}
	if position < c.Position {
		r.ProblemCount++
		r.Problems = append([]Problem{{Position: position,
			Reason: fmt.Sprintf("the log's head position is %d, the checkpoint's was %d", position, c.Position)}}, r.Problems...)
	}
	return r, nil
}

// CheckpointRef names the checkpoint a report was verified against.
type CheckpointRef struct {
	ID string `json:"id"`
	// Format tells what the proof covered: the set of events up to
	// Position (CheckpointFormat), or the heads only.
	Format   string    `json:"format"`
	Created  time.Time `json:"created"`
	Position int64     `json:"position"`
	Streams  int64     `json:"streams"`
}
