package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"time"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/jsonescape"
)

// Exported is one line of an export: everything needed to verify the hash
// chains with the algorithm of docs/AUDIT.md alone. Data and Metadata are
// the stored JSON documents as strings, byte for byte as hashed.
type Exported struct {
	Position         int64  `json:"position"`
	StreamID         string `json:"streamId"`
	Version          int64  `json:"version"`
	EventID          string `json:"eventId"`
	Type             string `json:"type"`
	SchemaVersion    int    `json:"schemaVersion"`
	RecordedAt       string `json:"recordedAt"`
	RecordedAtMicros int64  `json:"recordedAtMicros"`
	Data             string `json:"data"`
	Metadata         string `json:"metadata"`
	Hash             string `json:"hash"`
}

// ExportParams are the arguments of Export.
type ExportParams struct {
	// From and To bound positions (To 0: no bound); Since and Until bound
	// recording times (zero: no bound); all bounds are included.
	From, To     int64
	Since, Until time.Time
	Progress     func(events int64)
}

// Export writes events as JSON lines in position order and returns how
// many it wrote.
func Export(ctx context.Context, s eventstore.Scanner, w io.Writer, p ExportParams) (int64, error) {
	// Each line is encoded here, then escaped (jsonescape.Hidden) before it
	// is written: an export is read in terminals and editors, where a raw
	// U+202E or C1 control in a client's text would disguise the line.
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	var n, read int64
	from := max(p.From, 1)
	for {
		page, err := s.ReadRange(ctx, &eventstore.ReadRangeParams{From: from, To: p.To, Limit: 1000})
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			return n, nil
		}
		for i := range page {
			e := &page[i]
			if !p.Since.IsZero() && e.RecordedAt.Before(p.Since) || !p.Until.IsZero() && e.RecordedAt.After(p.Until) {
				continue
			}
			line.Reset()
			if err := enc.Encode(Exported{
				Position: e.Position, StreamID: e.StreamID, Version: e.Version, EventID: e.ID.String(),
				Type: e.Type, SchemaVersion: e.SchemaVersion,
				RecordedAt: e.RecordedAt.Format(time.RFC3339Nano), RecordedAtMicros: e.RecordedAt.UnixMicro(),
				Data: string(e.Data), Metadata: string(e.Metadata), Hash: hex.EncodeToString(e.Hash),
			}); err != nil {
				return n, err
			}
			if _, err := w.Write(jsonescape.Hidden(line.Bytes())); err != nil {
				return n, err
			}
			n++
		}
		read += int64(len(page))
		if p.Progress != nil {
			p.Progress(read)
		}
		from = page[len(page)-1].Position + 1
	}
}
