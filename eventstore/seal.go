package eventstore

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Seal turns the events of an append into recorded events: ids for those
// without one, consecutive versions after p.ExpectedVersion, one timestamp
// (UTC, truncated to the microsecond every driver can keep), and hashes
// chained from prev, the hash of the stream's current last event. Drivers
// call it; only positions and Commit are left for the database to assign.
func Seal(p *AppendParams, prev []byte, now time.Time) ([]RecordedEvent, error) {
	now = now.UTC().Truncate(time.Microsecond)
	events := make([]RecordedEvent, len(p.Events))
	for i, d := range p.Events {
		id := d.ID
		if id == uuid.Nil {
			var err error
			if id, err = uuid.NewV7(); err != nil {
				return nil, fmt.Errorf("event id: %w", err)
			}
		}
		meta := d.Metadata
		if len(meta) == 0 {
			meta = []byte("{}")
		}
		e := RecordedEvent{
			StreamID:      p.StreamID,
			Version:       p.ExpectedVersion + int64(i) + 1,
			ID:            id,
			Type:          d.Type,
			SchemaVersion: d.SchemaVersion,
			Data:          d.Data,
			Metadata:      meta,
			RecordedAt:    now,
		}
		e.Hash = ChainHash(prev, &e)
		prev = e.Hash
		events[i] = e
	}
	return events, nil
}
