package sessionview

import (
	"context"
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// Bounds of one page of a transcript. A session holds up to
// fb.MaxActivity messages of up to fb.MaxTextLength characters each, tens
// of megabytes: a page holds at most MaxTranscriptPage messages, and ends
// early once its texts pass MaxTranscriptPageBytes.
const (
	MaxTranscriptPage      = 1000
	MaxTranscriptPageBytes = 1 << 20
)

// StreamReader is what Transcripts need of the log.
type StreamReader interface {
	ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error)
}

// Transcripts reads sessions' messages from their streams: the log is
// the transcript's only copy.
type Transcripts struct {
	log StreamReader
}

// NewTranscripts returns a reader of the transcripts in log.
func NewTranscripts(log StreamReader) *Transcripts { return &Transcripts{log: log} }

// TranscriptPage selects part of a transcript.
type TranscriptPage struct {
	// After is the index of the message the page starts after; 0 starts
	// at the first.
	After int
	// Limit is the most messages returned; 0, or more than
	// MaxTranscriptPage, is MaxTranscriptPage.
	Limit int
}

// Read returns a page of a session's messages in index order, and whether
// more follow it. A page from the first message is fb.ErrNotFound when the
// session does not exist; a later page is only empty (the stream is read
// from where the page can start, so it cannot tell): callers that need to
// know look the session up first.
func (t *Transcripts) Read(ctx context.Context, sessionID string, p TranscriptPage) ([]fb.Said, bool, error) {
	limit := p.Limit
	if limit <= 0 || limit > MaxTranscriptPage {
		limit = MaxTranscriptPage
	}
	after := max(p.After, 0)
	// The stream starts with SessionStarted and each message is an event
	// of its own, so message n is at version n+1 or later: the page
	// cannot start before version after+2. Reading from after+1 reads
	// SessionStarted for the first page, so that a session without
	// messages is told from none.
	out := make([]fb.Said, 0, min(limit, 64))
	bytes := 0
	intake, err := t.intake(ctx, sessionID, after)
	if err != nil {
		return nil, false, err
	}
	// A part of the stream at a time: a page's memory is bounded by the
	// part's, not by the session's whole transcript.
	for from := int64(after) + 1; ; from += readPart {
		records, err := t.log.ReadStream(ctx, &eventstore.ReadStreamParams{
			StreamID: sessionlog.StreamID(sessionID), FromVersion: from, Limit: readPart,
		})
		switch {
		case errors.Is(err, eventstore.ErrNotFound) && from == 1:
			return nil, false, fmt.Errorf("session %s: %w", sessionID, fb.ErrNotFound)
		case errors.Is(err, eventstore.ErrNotFound):
			return out, false, nil
		case err != nil:
			return nil, false, err
		}
		said, err := sessionlog.Transcript(records, 0, intake)
		if err != nil {
			return nil, false, err
		}
		for _, s := range said {
			if s.Index <= after {
				continue
			}
			if len(out) == limit || (len(out) > 0 && bytes+len(s.Text) > MaxTranscriptPageBytes) {
				return out, true, nil
			}
			out = append(out, s)
			bytes += len(s.Text)
		}
		if len(records) < readPart {
			return out, false, nil
		}
	}
}

// readPart is how many events a transcript reads at once: a few megabytes
// at most (texts of 4,096 characters).
const readPart = 256

// intake is the participants the session started with, which name the
// customer's messages, read on their own when the page starts past the
// first event; nil when it starts there (the part read holds them).
func (t *Transcripts) intake(ctx context.Context, sessionID string, after int) ([]fb.Participant, error) {
	if after == 0 {
		return nil, nil
	}
	first, err := t.log.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(sessionID), Limit: 1})
	switch {
	case errors.Is(err, eventstore.ErrNotFound):
		return nil, fmt.Errorf("session %s: %w", sessionID, fb.ErrNotFound)
	case err != nil:
		return nil, err
	case len(first) == 0:
		return nil, nil
	}
	return sessionlog.Intake(&first[0])
}
